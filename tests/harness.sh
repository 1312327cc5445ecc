#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of scripts/vm-run itself: the exit status comes through, added
# dynamic executables run, and a kernel oops, a kernel backtrace or a hung VM
# fail the run.  Each check boots a VM (a few seconds under TCG).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
vm_run=$top/scripts/vm-run
series=${1:-6.12}
passed=0 failed=0

expect() {
	local want=$1 what=$2 got
	shift 2
	"$vm_run" --kernel "$series" "$@" >"$log" 2>&1
	got=$?
	if [ "$got" -eq "$want" ]; then
		passed=$((passed + 1))
		echo "ok: $what (exit $got)"
	else
		failed=$((failed + 1))
		echo "FAIL: $what: exit $got, expected $want"
		sed 's/^/    /' "$log" | tail -n 20
	fi
}

expect_output() {
	local pattern=$1 what=$2
	if grep -q -- "$pattern" "$log"; then
		passed=$((passed + 1))
		echo "ok: $what"
	else
		failed=$((failed + 1))
		echo "FAIL: $what: no '$pattern' in the output"
		sed 's/^/    /' "$log" | tail -n 20
	fi
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

expect 0 "a passing command" -- true
expect_output '^vm-run: [0-9]* s of 600 s: true$' "vm-run says how long the VM ran"
expect 3 "the command's exit status" -- sh -c 'exit 3'
expect 0 "tamalloc is loaded" -- grep -q '^tamalloc ' /proc/modules
expect 0 "an added dynamic executable brings its libraries" \
	--add /usr/bin/jq -- jq -M -n '6*7'
expect_output '^42$' "the added executable's output comes through"
expect 0 "--add HOST:GUEST puts a file where asked" \
	--add "$top/Makefile:/srv/Makefile" -- test -s /srv/Makefile
expect 125 "a kernel backtrace fails the run" -- sh -c 'echo l >/proc/sysrq-trigger; sleep 1'
expect_output 'kernel reported a problem' "the kernel log is shown for it"
expect 125 "a kernel crash fails the run" -- sh -c 'echo c >/proc/sysrq-trigger'
expect 124 "a VM that does not power off fails the run" --timeout 15 -- sleep 600

echo "harness: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
