#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tamalloc-stat against live processes, inside scripts/vm-run (busybox sh):
#   scripts/vm-run --add tests/checks.sh:/root/checks.sh \
#       --add tests/cli-test.sh:/root/cli-test.sh -- sh /root/cli-test.sh
# The seed scenario's exact figures, every output format, --check, repeats,
# and the error exit codes.  Exits 77 when the device is missing.
. /root/checks.sh
json() { # json FILE JQ-FILTER: the filter's compact output
	jq -c "$2" "$1"
}
start_seed() { # start_seed [ARGS]: a held seed process; sets $seed_pid
	rm -f /tmp/seed.pid
	tamalloc-seed -w /tmp/seed.pid "$@" >/tmp/seed.out 2>&1 &
	i=0
	while [ ! -s /tmp/seed.pid ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	seed_pid=$(cat /tmp/seed.pid)
}
stop_seed() {
	kill -TERM "$seed_pid" && wait "$seed_pid"
}

# The seed scenario, exactly: 500 MiB reserved, 150 MiB touched.
start_seed
tamalloc-stat -J -p "$seed_pid" >/tmp/seed.json
check "seed: reserved, resident, used_percent" \
	[ "$(json /tmp/seed.json '.processes[0] | [.pid, .reserved_bytes, .resident_bytes, .used_percent]')" = "[$seed_pid,524288000,157286400,30]" ]
check "seed: oom_score equals /proc/PID/oom_score" \
	[ "$(json /tmp/seed.json '.processes[0].oom_score')" = "$(cat /proc/$seed_pid/oom_score)" ]
check "seed: oom_score_adj equals /proc/PID/oom_score_adj" \
	[ "$(json /tmp/seed.json '.processes[0].oom_score_adj')" = "$(cat /proc/$seed_pid/oom_score_adj)" ]
check "seed: system figures are the sums" \
	[ "$(json /tmp/seed.json '.system | [.reserved_bytes, .resident_bytes, .processes, .mappings]')" = "[524288000,157286400,1,1]" ]
check "json: version 1 and the documented keys" \
	sh -c "jq -e '.version == 1 and (.system | has(\"peak_resident_bytes\") and has(\"faults\")) and (.processes[0] | has(\"comm\") and has(\"faults\"))' /tmp/seed.json >/dev/null"

tamalloc-stat >/tmp/table
check "table: summary line" grep -q 'reserved 500.0M, resident 150.0M (30.0%)' /tmp/table
check "table: the process's row" grep -Eq "^ +$seed_pid tamalloc-seed +500.0M +150.0M +30.0 +38400" /tmp/table
tamalloc-stat -n -b -o pid,reserved,resident,pct >/tmp/table
check "table: -n -b -o" grep -Eq "^ +$seed_pid +524288000 +157286400 +30.0$" /tmp/table
check "table: -n has no headings" sh -c '! grep -q PID /tmp/table'
tamalloc-stat -m --si -o resident -n -p "$seed_pid" >/tmp/table
check "units: -m --si" grep -Eq '^ +157$' /tmp/table
tamalloc-stat --prometheus >/tmp/prom
check "prometheus: system and per-process samples" \
	grep -q "^tamalloc_process_resident_bytes{pid=\"$seed_pid\",comm=\"tamalloc-seed\"} 157286400$" /tmp/prom
check "prometheus: types declared" grep -q '^# TYPE tamalloc_faults_total counter$' /tmp/prom

expect_exit 0 "--check: resident equals smaps Rss" tamalloc-stat --check
check "--check: names the process" grep -q "ok .*$seed_pid tamalloc-seed" /tmp/out

# System-wide caps, set by root through the module parameters.
params=/sys/module/tamalloc/parameters
echo 1073741824 >$params/max_resident_bytes
tamalloc-stat >/tmp/table
tamalloc-stat -J >/tmp/caps.json
echo 0 >$params/max_resident_bytes
check "caps: summary line shows the system caps" grep -q '; caps: reserved -, resident 1.0G$' /tmp/table
check "caps: json system and process caps" \
	[ "$(json /tmp/caps.json '[.system.reserved_limit, .system.resident_limit, .processes[0].reserved_limit]')" = "[0,1073741824,0]" ]
tamalloc-stat >/tmp/table
check "caps: no caps, no caps in the summary" sh -c '! grep -q caps /tmp/table'

tamalloc-stat -J -t 0.5 3 >/tmp/repeat.json
check "repeat: three JSON lines" [ "$(wc -l </tmp/repeat.json)" -eq 3 ]
check "repeat: rates from the second sample on" \
	[ "$(jq -c '.system | has("faults_per_second")' /tmp/repeat.json | tr '\n' ' ')" = "false true true " ]
tamalloc-stat 0.3 2 >/tmp/repeat
check "repeat: table with rate columns" grep -q 'FLT/S' /tmp/repeat
stop_seed

# A private seed, and two processes sorted.
start_seed -p 64 16
first=$seed_pid
start_seed 32 24
tamalloc-stat -J --sort=resident >/tmp/two.json
check "sort: resident, descending" \
	[ "$(json /tmp/two.json '[.processes[].pid]')" = "[$seed_pid,$first]" ]
tamalloc-stat -J --sort=pid >/tmp/two.json
check "sort: pid, ascending" \
	[ "$(json /tmp/two.json '[.processes[].pid]')" = "[$first,$seed_pid]" ]
expect_exit 0 "--check with a private mapping" tamalloc-stat --check
stop_seed
seed_pid=$first
stop_seed

tamalloc-stat -J >/tmp/after.json
check "after exit: the system is back to 0" \
	[ "$(json /tmp/after.json '.system | [.reserved_bytes, .resident_bytes, .processes, .mappings, .shared_bytes]')" = "[0,0,0,0,0]" ]
check "after exit: no processes listed" [ "$(json /tmp/after.json '.processes | length')" = 0 ]

# Which module is loaded (issue 20).
expect_exit 0 "--version" tamalloc-stat --version
check "--version: the tool's" grep -q '^tamalloc-stat [0-9]' /tmp/out
check "--version: the module's, as the kernel has it" \
	grep -qx "tamalloc module $(cat /sys/module/tamalloc/version)" /tmp/out

# Errors and their exit codes.
expect_exit 2 "usage: unknown option" tamalloc-stat --frobnicate
expect_exit 2 "usage: bad pid" tamalloc-stat -p abc
expect_exit 5 "no such pid" tamalloc-stat -p 4194300
check "no such pid: says so" grep -q 'No such process' /tmp/out
expect_exit 4 "permission denied for another user's pid" \
	su -s /bin/sh nobody -c "tamalloc-stat -p 1"
check "permission denied: says so" grep -q 'Permission denied' /tmp/out
check "permission denied: says who may" grep -q 'only its owner and root' /tmp/out

# As ps -p: what exists is shown, what does not is told (issue 20).
start_seed
expect_exit 5 "-p GOOD,GONE: exit 5" tamalloc-stat -p "$seed_pid,4194300"
check "-p GOOD,GONE: the process that exists is shown" \
	grep -Eq "^ +$seed_pid tamalloc-seed " /tmp/out
check "-p GOOD,GONE: the one gone is named" grep -q 'process 4194300: No such process' /tmp/out
stop_seed
expect_exit 0 "options after the delay and count" tamalloc-stat 0.1 2 -J
check "options after the delay and count: two JSON samples" \
	[ "$(jq -s length /tmp/out)" = 2 ]

# A device the user may not open: the hint names it and tamalloc-doctor.
mode=$(stat -c %a /dev/tamalloc)
chmod 600 /dev/tamalloc
expect_exit 4 "device not readable: permission denied" su -s /bin/sh nobody -c tamalloc-stat
check "device not readable: names the device and tamalloc-doctor" \
	sh -c "grep -q '/dev/tamalloc' /tmp/out && grep -q 'tamalloc-doctor' /tmp/out"
su -s /bin/sh nobody -c "tamalloc-run true" >/tmp/out 2>&1
check "tamalloc-run, device not readable: no talk of loading the module" \
	sh -c "grep -q 'tamalloc-doctor' /tmp/out && ! grep -q 'modprobe' /tmp/out"
chmod "$mode" /dev/tamalloc
rmmod tamalloc
expect_exit 0 "--version, module not loaded" tamalloc-stat --version
check "--version, module not loaded: says so" grep -qx 'tamalloc module not loaded' /tmp/out
expect_exit 3 "module not loaded" tamalloc-stat
check "module not loaded: says how to load it" grep -q 'modprobe tamalloc' /tmp/out
# Caps with units at load time, as mem= takes them (issue 20).
check "insmod with max_resident_bytes=8G" insmod /lib/modules/tamalloc.ko max_resident_bytes=8G
check "max_resident_bytes=8G reads 8589934592" \
	[ "$(cat /sys/module/tamalloc/parameters/max_resident_bytes)" = 8589934592 ]
rmmod tamalloc
insmod /lib/modules/tamalloc.ko
i=0; while [ ! -e /dev/tamalloc ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done

summary cli
