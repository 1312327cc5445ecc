#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demo, inside the VM: a process reserves 500 MiB of tamalloc memory and
# touches 150 MiB; tamalloc-stat shows it and the system totals, then shows
# the figures back at zero once it has exited.
set -e
say() { printf '\n$ %s\n' "$*"; }

say "tamalloc-seed &        # reserve 500 MiB, touch 150 MiB, then wait"
tamalloc-seed -w /tmp/seed.pid &
while [ ! -s /tmp/seed.pid ]; do sleep 0.1; done
pid=$(cat /tmp/seed.pid)

say "tamalloc-stat"
tamalloc-stat
say "tamalloc-stat -J -p $pid"
tamalloc-stat -J -p "$pid"
say "cat /proc/$pid/oom_score        # the kernel's own figure"
cat "/proc/$pid/oom_score"
say "tamalloc-stat --check           # resident equals smaps Rss"
tamalloc-stat --check

say "kill $pid; tamalloc-stat"
kill "$pid"
wait "$pid" || true
tamalloc-stat
