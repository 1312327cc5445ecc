#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The debug-kernel lane, inside a VM booted from scripts/debug-kernel's build
# (KASAN, KMEMLEAK, lockdep, DEBUG_VM, UBSAN): the in-VM suites, the stress
# and the fuzzer, then rmmod and a kmemleak scan that must find nothing.
# Any KASAN, lockdep, UBSAN or DEBUG_VM report fails the run in vm-run.
set -u
failed=0 passed=0
# Each suite's time is printed, so the margin to the timeouts (Check's, and
# vm-run's for the whole lane) stays visible.
run() {
	echo "== $*"
	start=$(cut -d. -f1 /proc/uptime)
	if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $*"; fi
	echo "== $1: $(($(cut -d. -f1 /proc/uptime) - start)) s"
}

mount -t debugfs none /sys/kernel/debug
echo clear >/sys/kernel/debug/kmemleak	# only what happens from here counts

# FUZZ_ONLY=1 (make debug-fuzz): the fuzzer alone, FUZZ_CALLS long.
if [ -z "${FUZZ_ONLY:-}" ]; then
# Not the scale case: it measures what VMAs by the ten thousand cost, which
# every stock kernel's lane checks, and under KASAN and lockdep its 80,000
# VMAs took 316 s of the suite's 413.
export CK_EXCLUDE_TAGS=scale
run tamalloc-tests
unset CK_EXCLUDE_TAGS
# Purging under memory.max, whose last check ends in an OOM kill of its own
# (the vm-run here lets OOM reports pass; any other report still fails).
export CK_RUN_SUITE=purge
run tamalloc-tests
unset CK_RUN_SUITE
run tamalloc-lib-tests
run tamalloc-alloc-tests
# -K: KASAN's quarantine holds freed memory out of MemFree; kmemleak below
# is this lane's leak check.
run tamalloc-stress -s "${STRESS_SEED:-1}" -n 1000 -l 20 -K
fi
run tamalloc-fuzz -s "${FUZZ_SEED:-1}" -n "${FUZZ_CALLS:-100000}"

echo "== rmmod tamalloc; kmemleak scan"
if rmmod tamalloc; then
	passed=$((passed + 1))
else
	failed=$((failed + 1)); echo "FAIL: rmmod tamalloc"
fi
# Two scans: kmemleak reports an object only once it has looked unreferenced
# for a whole scan.
echo scan >/sys/kernel/debug/kmemleak
sleep 1
echo scan >/sys/kernel/debug/kmemleak
leaks=$(cat /sys/kernel/debug/kmemleak)
if [ -n "$leaks" ]; then
	failed=$((failed + 1))
	echo "FAIL: kmemleak reports leaks:"
	echo "$leaks"
else
	passed=$((passed + 1))
	echo "kmemleak: no leaks"
fi
echo "debug-lane: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
