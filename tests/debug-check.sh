#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-check.sh: the debug-kernel lane.  Builds (once, cached) the 6.1
# kernel with KASAN, KMEMLEAK, lockdep, DEBUG_VM and UBSAN
# (scripts/debug-kernel), the module against it, and runs tests/debug-lane.sh
# in a VM booted from it.  Called by `make debug-check` and `make vm-check`.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tree=$(scripts/debug-kernel)
make -s module KDIR="$tree" KNAME=debug-6.1 >/dev/null
echo "==== debug kernel lane ($tree)"
# The lane takes about 9 minutes alone, 13 with a second VM beside it.
exec scripts/vm-run --kernel "$tree/arch/x86/boot/bzImage" \
	--module build/kmod/debug-6.1/tamalloc.ko --timeout "${DEBUG_TIMEOUT:-3600}" --expect-oom \
	--add tests/debug-lane.sh:/root/debug-lane.sh -- \
	env STRESS_SEED="${STRESS_SEED:-1}" FUZZ_SEED="${FUZZ_SEED:-1}" \
	FUZZ_ONLY="${FUZZ_ONLY:-}" FUZZ_CALLS="${FUZZ_CALLS:-100000}" \
	sh /root/debug-lane.sh
