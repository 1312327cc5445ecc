#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The cache of scripts/demo --purgeable as a benchmark, inside a VM with
# 512 MiB and no swap: its hit rate and run time on purgeable memory,
# against the same cache capped by hand to fit in memory (an LRU that
# discards its oldest entry when full), at two sizes.
set -eu
line() { printf '%-22s %8s %10s %10s\n' "$@"; }
run() {
	# "requests ...: N new, H hits, M misses (hit rate X %); P purged; T s"
	tamalloc-cache "$@" | awk '/^requests/ {
		for (i = 1; i <= NF; i++) {
			if ($i == "rate") rate = $(i + 1)
			if ($i == "s") t = $(i - 1)
		}
		print rate, t }'
}
set -- $(run); p_rate=$1 p_time=$2
set -- $(run -c 256M); c1_rate=$1 c1_time=$2
set -- $(run -c 384M); c2_rate=$1 c2_time=$2
echo
line "2 GiB of 1 MiB entries" "hits %" "time s" "purgeable/"
line "purgeable" "$p_rate" "$p_time" ""
line "capped at 256 MiB" "$c1_rate" "$c1_time" "$(awk "BEGIN { printf \"%.2f\", $p_time / $c1_time }")"
line "capped at 384 MiB" "$c2_rate" "$c2_time" "$(awk "BEGIN { printf \"%.2f\", $p_time / $c2_time }")"
echo "oom_kill $(awk '/^oom_kill /{print $2}' /proc/vmstat)"
