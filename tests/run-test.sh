#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tamalloc-run with real programs, inside scripts/vm-run (VM_RUN_RUN in the
# Makefile says what it adds): Debian's python3 (threads and a forked pool),
# sqlite3, xz, gawk and sort each give the same output under tamalloc-run as
# without, and tamalloc-stat lists each while it runs.  Then -s, --no-inherit
# and inheritance by children, and a missing device.  Paths are absolute
# where busybox has an applet of the same name.
. /root/checks.sh
mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm	# multiprocessing's semaphores

# same DESCRIPTION CMD...: CMD's output and status, plain and under tamalloc-run.
same() {
	what=$1; shift
	"$@" >/tmp/plain.out 2>&1; plain=$?
	tamalloc-run "$@" >/tmp/tam.out 2>&1; tam=$?
	if [ "$plain" -eq 0 ] && [ "$tam" -eq 0 ] && cmp -s /tmp/plain.out /tmp/tam.out; then
		ok "$what: same output ($(wc -c </tmp/tam.out) bytes)"
	else
		bad "$what: status $plain plain, $tam under tamalloc-run"
		diff /tmp/plain.out /tmp/tam.out | head -20 | sed 's/^/    /'
	fi
}

# listed DESCRIPTION CMD...: tamalloc-stat shows CMD, under tamalloc-run, with
# tamalloc memory while it runs.
listed() {
	what=$1; shift
	tamalloc-run "$@" >/dev/null 2>&1 &
	pid=$! seen=
	while kill -0 "$pid" 2>/dev/null; do
		seen=$(tamalloc-stat -J -p "$pid" 2>/dev/null |
		       jq -r '.processes[0] | select(.reserved_bytes > 0 and .resident_bytes > 0) |
			      "\(.comm) reserved \(.reserved_bytes) resident \(.resident_bytes)"')
		[ -n "$seen" ] && break
		sleep 0.05
	done
	wait "$pid"
	if [ -n "$seen" ]; then ok "$what: listed while running ($seen)"; else
		bad "$what: never listed by tamalloc-stat with tamalloc memory"; fi
}

. /root/inputs.sh

# Every call the preload library replaces (a Check suite; 77 if not preloaded).
tamalloc-preload-tests >/tmp/out 2>&1
check "preload suite skips without tamalloc-run (exit 77)" [ $? -eq 77 ]
expect_exit 0 "preload suite under tamalloc-run" tamalloc-run tamalloc-preload-tests
grep '^100%\|^[0-9]*%: Checks' /tmp/out

same "python3" python3 /root/workload.py
# A database file, made anew by each run (LD_PRELOAD passes through sh).
same "sqlite3" sh -c 'rm -f /tmp/test.db && sqlite3 /tmp/test.db ".read /tmp/db.sql" &&
	sqlite3 /tmp/test.db "SELECT count(*), sum(k) FROM t"'
same "sqlite3 in memory" sqlite3 :memory: '.read /tmp/db.sql'
# xz -9 reserves its 674 MiB dictionary whatever the input's size.
same "xz compress" /usr/bin/xz -9 -T1 -c /tmp/xz.txt
check "xz: what it compressed decompresses under tamalloc-run, checksum equal" \
	[ "$(tamalloc-run /usr/bin/xz -d -c </tmp/tam.out | sha256sum)" = "$(sha256sum </tmp/xz.txt)" ]
same "gawk" gawk "$wordcount" /tmp/big.txt
same "sort" /usr/bin/sort -k2,2 -k1,1n /tmp/big.txt

listed "python3" python3 /root/workload.py
listed "sqlite3" sqlite3 :memory: '.read /tmp/db.sql'
listed "xz" /usr/bin/xz -9 -T1 -c /tmp/xz.txt
listed "gawk" gawk "$wordcount" /tmp/big.txt
listed "sort" /usr/bin/sort -k2,2 -k1,1n /tmp/big.txt

# A held python3: its figures, and its heap's, from outside and at exit.
mkdir -p /tmp/hold && rm -f /tmp/hold/*
tamalloc-run -s python3 /root/workload.py --hold /tmp/hold >/tmp/held.out 2>/tmp/held.err &
pid=$!
i=0; while [ ! -e /tmp/hold/ready ] && [ $i -lt 3000 ]; do sleep 0.1; i=$((i + 1)); done
tamalloc-stat -J -p "$pid" >/tmp/held.json
check "held python3: holds its 32 MiB buffer in tamalloc memory" \
	[ "$(jq '.processes[0].resident_bytes >= 33554432' /tmp/held.json)" = true ]
check "held python3: --check agrees with smaps" tamalloc-stat --check -p "$pid"
touch /tmp/hold/go
wait "$pid"
check "-s: figures printed at exit" grep -q "^tamalloc-run: pid $pid (python3): reserved [0-9]*, resident" /tmp/held.err
tamalloc-run -s /usr/bin/xz --version >/dev/null 2>/tmp/xz.err
check "-s: figures printed though CMD closes its stderr (xz does)" \
	grep -q "^tamalloc-run: pid [0-9]* (xz): reserved [0-9]*, resident" /tmp/xz.err

# Children stay on tamalloc unless --no-inherit.
maps='import os, subprocess, sys
print(subprocess.run([sys.executable, "-c", "print(\"/dev/tamalloc\" in open(\"/proc/self/maps\").read())"],
                     capture_output=True, text=True).stdout.strip())'
check "children it execs stay on tamalloc" [ "$(tamalloc-run python3 -c "$maps")" = True ]
check "--no-inherit: children it execs use libc's malloc" \
	[ "$(tamalloc-run --no-inherit python3 -c "$maps")" = False ]
check "the program itself runs on tamalloc" \
	[ "$(tamalloc-run --no-inherit python3 -c 'print("/dev/tamalloc" in open("/proc/self/maps").read())')" = True ]

# Usage, and no device: say so, run nothing.
expect_exit 125 "no command" tamalloc-run
expect_exit 127 "command not found" tamalloc-run /nonexistent
rmmod tamalloc
rm -f /tmp/ran
expect_exit 125 "module not loaded" tamalloc-run touch /tmp/ran
check "module not loaded: says how to load it" grep -q 'modprobe tamalloc' /tmp/out
check "module not loaded: ran nothing" [ ! -e /tmp/ran ]
insmod /lib/modules/tamalloc.ko

summary run
