#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm-check.sh: every VM lane, two at a time (the machines this runs on have
# two cores, and each VM keeps one busy): the debug-kernel lane, the
# whole-system test on each release (scripts/system-check) and the in-VM
# suites on each supported kernel series, with the stress and the fuzzer at
# full length on LONG_SERIES.  Each lane's output is printed whole
# when it ends, so lanes never interleave; exits 1 if any lane failed.
#
#   KSERIES      the series to test (default: scripts/kernel-version --list)
#   LONG_SERIES  the series with full-length stress and fuzz runs
#   SYSTEM_RELEASES  the whole-system test's releases (default: trixie bookworm)
#   VM_JOBS      lanes at once (default 2)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
series=${KSERIES:-$(scripts/kernel-version --list)}
long=" ${LONG_SERIES:-5.10 6.12 7.3} "
jobs=${VM_JOBS:-2}

# The longest first, so that the last lanes to end are short ones.
lanes=("tests/debug-check.sh")
for r in ${SYSTEM_RELEASES-trixie bookworm}; do
	lanes+=("scripts/system-check $r")
done
for s in $series; do
	case "$long" in *" $s "*) lanes+=("tests/vm-suites.sh $s --long") ;; esac
done
for s in $series; do
	case "$long" in *" $s "*) ;; *) lanes+=("tests/vm-suites.sh $s") ;; esac
done

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
declare -A lane_of=()
declare -a started_at=()
failed=0

# Print a finished lane's output and note its status and time (the lanes'
# times are what CI's length is made of).
reap() {
	local pid=$1 rc=$2 i=${lane_of[$1]}
	cat "$logs/$i"
	echo "vm-check: ${lanes[$i]}: exit $rc after $((SECONDS - started_at[i])) s"
	[ "$rc" -eq 0 ] || failed=1
	unset "lane_of[$pid]"
}

for i in "${!lanes[@]}"; do
	while [ "${#lane_of[@]}" -ge "$jobs" ]; do
		wait -n -p done_pid
		reap "$done_pid" $?
	done
	echo "vm-check: starting ${lanes[$i]}"
	started_at[i]=$SECONDS
	# shellcheck disable=SC2086
	${lanes[$i]} >"$logs/$i" 2>&1 &
	lane_of[$!]=$i
done
while [ "${#lane_of[@]}" -gt 0 ]; do
	wait -n -p done_pid
	reap "$done_pid" $?
done
echo "vm-check: every lane ended after $SECONDS s"
exit "$failed"
