# SPDX-License-Identifier: GPL-2.0
#
# Checks for the in-VM shell suites (busybox sh), sourced from /root/checks.sh:
#   check DESCRIPTION COMMAND...     passes if COMMAND succeeds
#   expect_exit CODE DESCRIPTION COMMAND...   output in /tmp/out
#   doctor CODE DESCRIPTION [PATTERN [USER]]  tamalloc-doctor (as USER)
#                                    exits CODE and says PATTERN
#   summary NAME                     "NAME: N passed, N failed"; status
# Skips (exit 77) when /dev/tamalloc is missing, unless the suite makes it
# itself (checks_make_device=1).
[ "${checks_make_device:-0}" = 1 ] || [ -e /dev/tamalloc ] ||
	{ echo "SKIP: /dev/tamalloc is missing"; exit 77; }

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok: $1"; }
bad() { failed=$((failed + 1)); echo "FAIL: $1"; }
check() {
	what=$1; shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
expect_exit() {
	want=$1 what=$2; shift 2
	"$@" >/tmp/out 2>&1
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$what (exit $got)"; else
		bad "$what: exit $got, expected $want"; sed 's/^/    /' /tmp/out; fi
}
doctor() {
	if [ -n "${4:-}" ]; then
		expect_exit "$1" "$2" su -s /bin/sh "$4" -c tamalloc-doctor
	else
		expect_exit "$1" "$2" tamalloc-doctor
	fi
	[ -z "${3:-}" ] || check "$2: says \"$3\"" grep -q "$3" /tmp/out
}
summary() {
	echo "$1: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
