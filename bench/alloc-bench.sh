#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The allocator benchmark, inside scripts/vm-run (make bench-alloc adds what
# it needs): each workload runs ROUNDS times under the C library's malloc and
# under tamalloc-run, alternating, in this one VM; the table shows medians
# and the ratios tamalloc / glibc of wall time and of peak RSS.
# Absolute times under TCG mean little; the ratios are the figures.
rounds=${ROUNDS:-5}
mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm

. /root/inputs.sh

# median of the numbers on stdin
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# run NAME CMD...: measure CMD both ways, print a table row.
run() {
	name=$1; shift
	: >/tmp/glibc.t; : >/tmp/glibc.r; : >/tmp/tam.t; : >/tmp/tam.r
	i=0
	while [ $i -lt "$rounds" ]; do
		for how in glibc tam; do
			if [ $how = tam ]; then set -- tamalloc-run "$@"; fi
			tamalloc-measure "$@" >/dev/null 2>/tmp/m || {
				echo "bench: $name ($how) failed:"; cat /tmp/m; exit 1; }
			if [ $how = tam ]; then shift; fi
			sed -n 's/^measure: \([^ ]*\) .*/\1/p' /tmp/m >>/tmp/$how.t
			sed -n 's/^measure: [^ ]* \(.*\)/\1/p' /tmp/m >>/tmp/$how.r
		done
		i=$((i + 1))
	done
	gt=$(median </tmp/glibc.t) tt=$(median </tmp/tam.t)
	gr=$(median </tmp/glibc.r) tr=$(median </tmp/tam.r)
	awk -v n="$name" -v gt="$gt" -v tt="$tt" -v gr="$gr" -v tr="$tr" 'BEGIN {
		printf "%-10s %9.2f %9.2f %7.2fx %10d %10d %7.2fx\n", n, gt, tt, tt / gt, gr, tr, tr / gr }'
}

echo "allocator benchmark: $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs, medians of $rounds"
printf '%-10s %9s %9s %8s %10s %10s %8s\n' workload "glibc s" "tam s" time "glibc KiB" "tam KiB" RSS
run small tamalloc-bench-alloc small
run larson tamalloc-bench-alloc larson
run large tamalloc-bench-alloc large
run python3 python3 /root/workload.py
run sqlite3 sqlite3 :memory: '.read /tmp/db.sql'
run xz /usr/bin/xz -6 -T1 -c /tmp/big.txt
run sort /usr/bin/sort -k2,2 -k1,1n /tmp/big.txt
run gawk gawk "$wordcount" /tmp/big.txt
