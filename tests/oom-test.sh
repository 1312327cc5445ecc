#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Memory pressure, inside a 512 MiB VM:
#   scripts/vm-run --mem 512M --expect-oom --add tests/checks.sh:/root/checks.sh \
#       --add tests/oom-test.sh:/root/oom-test.sh \
#       -- sh /root/oom-test.sh
# 1. In a cgroup with memory.max = 64 MiB, a process touching 128 MiB of
#    tamalloc memory (shared, then private) is OOM-killed inside its cgroup;
#    a process outside it is untouched.
# 2. Pages vmsplice()d into pipes after their object gave them back are
#    held to the group's memory.max, though the module no longer sees them.
# 3. A process touching 2 GiB of tamalloc memory is the OOM killer's victim;
#    the kernel stays up, the figures return to 0 and the module unloads.
. /root/checks.sh
sys_json() { tamalloc-stat -J | jq -c "$1"; }

sleep 1000 &
bystander=$!

cg=/sys/fs/cgroup/tamalloc-test
echo +memory >/sys/fs/cgroup/cgroup.subtree_control
mkdir -p "$cg"
echo 64M >"$cg/memory.max"
for kind in "" "-p"; do
	name=${kind:+private}
	name=${name:-shared}
	before=$(awk '/^oom_kill /{print $2}' "$cg/memory.events")
	sh -c "echo \$\$ >$cg/cgroup.procs; exec tamalloc-seed $kind 256 128" >/dev/null 2>&1
	status=$?
	after=$(awk '/^oom_kill /{print $2}' "$cg/memory.events")
	check "memcg, $name: the toucher is killed (status $status)" [ "$status" -eq 137 ]
	check "memcg, $name: by its cgroup's OOM killer ($before -> $after)" [ "$after" -gt "$before" ]
	check "memcg, $name: the process outside is untouched" kill -0 "$bystander"
	check "memcg, $name: figures back to 0" \
		[ "$(sys_json '.system | [.reserved_bytes, .resident_bytes, .shared_bytes, .processes]')" = "[0,0,0,0]" ]
done
rmdir "$cg"

# Pages pinned in pipes after their object gave them back: past the
#    module's caps, within the group's memory.max (issue 18, item 2).
check "memcg: pages pinned in pipes are held to memory.max" \
	env CK_RUN_SUITE=pinned tamalloc-tests
check "memcg: unpinned memory purged in order before an OOM kill, only the group's" \
	env CK_RUN_SUITE=purge tamalloc-tests
check "memcg, pinned: figures back to 0" \
	[ "$(sys_json '.system | [.reserved_bytes, .resident_bytes, .shared_bytes, .processes]')" = "[0,0,0,0]" ]

tamalloc-seed 2048 2048 >/dev/null 2>&1
status=$?
check "global OOM: the 2 GiB toucher is killed (status $status)" [ "$status" -eq 137 ]
check "global OOM: it was the OOM killer's victim" \
	sh -c 'dmesg | grep -q "Out of memory: Killed process [0-9]* (tamalloc-seed)"'
check "global OOM: the bystander lives" kill -0 "$bystander"
check "global OOM: figures back to 0" \
	[ "$(sys_json '.system | [.reserved_bytes, .resident_bytes, .shared_bytes, .processes]')" = "[0,0,0,0]" ]
kill "$bystander"
check "global OOM: the module unloads" rmmod tamalloc

summary oom
