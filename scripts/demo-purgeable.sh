#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The purgeable-memory demo, inside a VM with 512 MiB and no swap: a cache
# program makes 2 GiB of entries in tamalloc shared memory, unpinning those
# it is not using; the kernel purges them under pressure and the program
# rebuilds what it asks for again.  It completes with no OOM kill, and
# tamalloc-stat shows what was purged.  The same program on /dev/zero
# shared memory, where nothing can be unpinned, is OOM-killed.
set -u
say() { printf '\n$ %s\n' "$*"; }
oom_kills() { awk '/^oom_kill /{print $2}' /proc/vmstat; }

say "free -m"
free -m

say "tamalloc-cache &        # 2 GiB of 1 MiB entries on tamalloc, unpinned when not in use"
before=$(oom_kills)
tamalloc-cache -w /tmp/cache.pid &
while [ ! -s /tmp/cache.pid ] && kill -0 $! 2>/dev/null; do sleep 0.2; done
if [ ! -s /tmp/cache.pid ]; then
	echo "demo: tamalloc-cache failed" >&2
	exit 1
fi
pid=$(cat /tmp/cache.pid)
say "grep oom_kill /proc/vmstat    # OOM kills during the run"
echo "oom_kill $(($(oom_kills) - before))"
say "tamalloc-stat -p $pid"
tamalloc-stat -p "$pid"
kill "$pid"
wait "$pid"

say "tamalloc-cache -z       # the same cache on /dev/zero shared memory"
before=$(oom_kills)
tamalloc-cache -z
status=$?
echo "exit status $status$([ "$status" -eq 137 ] && echo ' (SIGKILL)')"
say "grep oom_kill /proc/vmstat; dmesg | grep 'Out of memory'"
echo "oom_kill $(($(oom_kills) - before))"
dmesg | grep -i 'out of memory' | tail -1
say "tamalloc-stat           # the system's purge figures stay"
tamalloc-stat
