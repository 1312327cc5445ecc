#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm-suites.sh SERIES [--long]: every in-VM suite on the newest Debian kernel
# of SERIES, each in a VM of its own: mapping semantics and figures (and on
# a guest with two NUMA nodes, the numa suite), the library, the allocator, the CLI, the OOM scenarios, real programs under
# tamalloc-run, and a short stress and fuzz run; --long runs the stress and
# the fuzzer at full length (1000 sequences, 1,000,000 calls).  Runs every
# suite even when one fails; a suite whose VM failed before it printed its
# summary counts as "NAME: 0 passed, 1 failed".  Exits 1 if any failed.
#
# Called by `make vm-check` (which builds what the VMs need first).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
series=${1:?usage: vm-suites.sh SERIES [--long]}
long=${2:-}
stress_seed=${STRESS_SEED:-1} fuzz_seed=${FUZZ_SEED:-1}
cd "$top"

checks=(--add /usr/bin/jq --add tests/checks.sh:/root/checks.sh)
# Real programs under tamalloc-run: Debian's own binaries, with their libraries.
read -ra programs <<<"$(tr '\n' ' ' <tests/run/vm-programs)"
if [ "$long" = --long ]; then
	stress_n=1000 fuzz_n=1000000
else
	stress_n=200 fuzz_n=100000
fi

failed=0
# suite NAME VM-RUN-ARGS... -- CMD...: one VM; its output, its time.
suite() {
	local name=$1 out rc start=$SECONDS
	shift
	out=$(mktemp)
	scripts/vm-run --kernel "$series" "$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	if [ "$rc" -ne 0 ]; then
		failed=1
		grep -qE '^[0-9]+%: Checks: |^[a-z-]+: [0-9]+ passed, [0-9]+ failed$' "$out" ||
			echo "$name: 0 passed, 1 failed"
	fi
	rm -f "$out"
	echo "== $name: $((SECONDS - start)) s"
}

echo "==== in-VM suites on Debian $series ($(scripts/kernel-version "$series"))"
suite tamalloc-tests -- tamalloc-tests
# Two NUMA nodes, where automatic NUMA balancing makes private PTEs
# inaccessible for a while (the numa suite skips on one node).
suite numa --numa -- env CK_RUN_SUITE=numa tamalloc-tests
# Shared pages swapped out and read back: little memory, a swap disk.
# --expect-oom: under this pressure 7.x's swap-out warns (with a stack dump)
# when it cannot allocate a swap cluster's table, and retries.
suite swap --mem 384M --swap 1G --expect-oom --timeout 1200 \
	-- env CK_RUN_SUITE=swap tamalloc-tests
suite tamalloc-lib-tests -- tamalloc-lib-tests
suite tamalloc-alloc-tests -- tamalloc-alloc-tests
suite cli "${checks[@]}" --add tests/cli-test.sh:/root/cli-test.sh -- sh /root/cli-test.sh
suite doctor "${checks[@]}" --add tests/doctor-test.sh:/root/doctor-test.sh \
	-- sh /root/doctor-test.sh
suite oom --mem 512M --expect-oom "${checks[@]}" --add tests/oom-test.sh:/root/oom-test.sh \
	-- sh /root/oom-test.sh
suite run --mem 2G --timeout 1500 "${checks[@]}" "${programs[@]}" \
	--add tests/run-test.sh:/root/run-test.sh \
	--add build/run/tamalloc-preload-tests:/usr/bin/tamalloc-preload-tests \
	-- sh /root/run-test.sh
suite stress --timeout 1200 -- tamalloc-stress -s "$stress_seed" -n "$stress_n"
suite fuzz --timeout 1500 -- tamalloc-fuzz -s "$fuzz_seed" -n "$fuzz_n"
exit "$failed"
