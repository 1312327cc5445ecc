#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of scripts/system-check: a whole Debian system's boots,
# run as root by its tamalloc-system-test service from what the host's disk
# brings (/run/tamalloc-test: this script, checks.sh, seed.c, tamalloc-tests,
# the packages in debs/, a second kernel's packages in kernels/, its release
# in kver2).  Each boot runs one stage, prints "system-STAGE: N passed, N
# failed", then "system-test: next STAGE" (or "next none") and reboots or
# powers off; /var/lib/tamalloc-system-test keeps the stage across boots.
#
#   install  1. apt installs tamalloc-dkms, libtamalloc0 and tamalloc-utils:
#               DKMS builds and installs the module for the running kernel
#            2. modprobe: /dev/tamalloc, mode 0666, by the packaged udev rule
#            3. an unprivileged user: seed.c built with libtamalloc-dev and
#               pkg-config, its figures exact through tamalloc-stat -J;
#               another user's refused; tamalloc-run on xz
#            then reboots
#   reboot   4. loaded at boot, the device is there
#            5. a second kernel and its headers, offline: DKMS builds for it
#               at install time; its image and initramfs go to /dev/vdc for
#               the host, which boots it
#   second-kernel  the module loads at boot; the seed scenario and tamalloc-tests
#            pass; tamalloc-doctor finds a wrong mode, the module gone and
#            a build that fails; 6. apt purge of all four packages leaves
#            nothing
in=/run/tamalloc-test
state=/var/lib/tamalloc-system-test
mkdir -p "$state"
stage=$(cat "$state/stage" 2>/dev/null || echo install)
kver=$(uname -r)
kver2=$(cat "$in/kver2")
packages="tamalloc-dkms libtamalloc0 libtamalloc-dev tamalloc-utils"
checks_make_device=1
. "$in/checks.sh"

# What a maintainer needs when a step fails: the journal and DKMS's log.
explain() {
	echo "---- journal (last 60 lines) ----"
	journalctl -b --no-pager -n 60 2>&1
	echo "---- kernel log (last 30 lines) ----"
	dmesg | tail -n 30
	for log in $(find /var/lib/dkms -name make.log 2>/dev/null); do
		echo "---- $log (last 40 lines) ----"
		tail -n 40 "$log"
	done
	echo "---- end ----"
}
# logged DESCRIPTION COMMAND...: check COMMAND, its output shown if it fails.
logged() {
	what=$1; shift
	if "$@" >/tmp/step.log 2>&1; then ok "$what"; else
		bad "$what"; tail -n 30 /tmp/step.log | sed 's/^/    /'; fi
}
dkms_installed() { # dkms_installed KVER
	dkms status -k "$1" tamalloc 2>/dev/null | grep -q ': installed'
}
module_file() { # the installed module of KVER, uncompressed, in /root
	ko=$(find "/lib/modules/$1" -name 'tamalloc.ko*' | head -n 1)
	case "$ko" in
	*.xz)	xz -dc "$ko" ;;
	*.zst)	zstd -dc "$ko" ;;
	*)	cat "$ko" ;;
	esac >/root/tamalloc.ko
}
device_ready() {
	udevadm settle
	[ "$(stat -c '%F %a %U:%G' /dev/tamalloc 2>/dev/null)" = \
		"character special file 666 root:root" ]
}
seed_scenario() { # as the user tam, with the seed built in stage install
	rm -f /tmp/seed.pid
	runuser -u tam -- /home/tam/tamalloc-seed -w /tmp/seed.pid >/tmp/seed.out 2>&1 &
	i=0
	while [ ! -s /tmp/seed.pid ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	pid=$(cat /tmp/seed.pid)
	runuser -u tam -- tamalloc-stat -J -p "$pid" >/tmp/seed.json 2>&1
	got=$(jq -c '.processes[0] | [.pid, .reserved_bytes, .resident_bytes, .used_percent]' /tmp/seed.json 2>&1)
	check "seed as tam: reserved 500 MiB, resident 150 MiB, 30 %, exactly (got $got)" \
		sh -c "jq -e '.processes[0] | .pid == $pid and .reserved_bytes == 524288000 and
			.resident_bytes == 157286400 and .used_percent == 30' /tmp/seed.json >/dev/null"
	check "seed as tam: oom_score equals /proc's" \
		[ "$(jq -c '.processes[0].oom_score' /tmp/seed.json)" = "$(cat "/proc/$pid/oom_score")" ]
	runuser -u other -- tamalloc-stat -p "$pid" >/tmp/other.out 2>&1
	status=$?
	check "another user's figures refused (exit $status: $(head -c 120 /tmp/other.out))" \
		sh -c "[ $status -ne 0 ] && grep -q 'ermission denied' /tmp/other.out"
	kill -TERM "$pid"
	wait
}
next() { # next STAGE|none: what the host does after this boot
	summary "system-$stage"
	[ "$failed" -eq 0 ] || { explain; set -- none; }
	echo "$1" >"$state/stage"
	echo "system-test: next $1"
	sync
	# (systemctl first looks for D-Bus, which this minimal system lacks.)
	if [ "$1" = reboot ]; then systemctl reboot --no-block; else systemctl poweroff --no-block; fi 2>/dev/null
	exit 0
}

echo "system-test: stage $stage on $kver"
case "$stage" in
install)
	logged "1: apt installs tamalloc-dkms, libtamalloc0 and tamalloc-utils" \
		apt-get install -y "$in"/debs/tamalloc-dkms_*.deb \
		"$in"/debs/libtamalloc0_*.deb "$in"/debs/tamalloc-utils_*.deb
	check "1: dkms status: tamalloc installed for $kver" dkms_installed "$kver"
	doctor 6 "1: tamalloc-doctor before modprobe: not loaded" "installed for $kver"
	logged "2: modprobe tamalloc" modprobe tamalloc
	check "2: /dev/tamalloc: a character device, mode 0666, root:root" device_ready
	doctor 0 "2: tamalloc-doctor as an unprivileged user: all well" \
		"^ok: nobody can open /dev/tamalloc" nobody
	logged "2: the packaged udev rule applies to it" \
		sh -c "udevadm test /sys/class/misc/tamalloc 2>&1 | grep -q 'udev/rules.d/60-tamalloc.rules'"
	useradd -m tam && useradd -m other
	logged "3: libtamalloc-dev installs" apt-get install -y "$in"/debs/libtamalloc-dev_*.deb
	cp "$in/seed.c" /home/tam/seed.c
	logged "3: seed.c builds with cc and pkg-config --cflags --libs tamalloc" \
		runuser -u tam -- sh -c 'cd && cc -O2 -Wall -Werror -o tamalloc-seed seed.c $(pkg-config --cflags --libs tamalloc)'
	seed_scenario
	seq 1 200000 >/tmp/input
	runuser -u tam -- tamalloc-run -s xz -6 -c /tmp/input >/tmp/input.xz 2>/tmp/run.err
	check "3: tamalloc-run xz as tam: the output decompresses to the input" \
		sh -c 'xz -dc /tmp/input.xz | cmp -s - /tmp/input'
	check "3: tamalloc-run -s: xz's figures, from the device ($(head -c 300 /tmp/run.err))" \
		grep -q '^tamalloc-run: pid [0-9]* (xz): reserved [1-9][0-9]*, resident' /tmp/run.err
	next reboot
	;;
reboot)
	check "4: loaded at boot (modules-load.d)" grep -q '^tamalloc ' /proc/modules
	check "4: /dev/tamalloc: mode 0666, root:root" device_ready
	logged "5: $kver2 and its headers install offline" \
		sh -c "apt-get install -y $in/kernels/*.deb"
	check "5: DKMS built and installed tamalloc for $kver2 as it installed" \
		dkms_installed "$kver2"
	logged "5: $kver2's image and initramfs handed to the host" \
		tar -cf /dev/vdc -C /boot "vmlinuz-$kver2" "initrd.img-$kver2"
	next second-kernel
	;;
second-kernel)
	check "booted $kver2 (running $kver)" [ "$kver" = "$kver2" ]
	check "loaded at boot" grep -q '^tamalloc ' /proc/modules
	check "/dev/tamalloc: mode 0666, root:root" device_ready
	doctor 0 "tamalloc-doctor: all well" "^all well: /dev/tamalloc is ready"
	chmod 0600 /dev/tamalloc
	doctor 8 "tamalloc-doctor, mode 0600: says so" "mode and owner 600 root:root" tam
	chmod 0666 /dev/tamalloc
	seed_scenario
	module_file "$kver"
	# /run is noexec.
	install -m 0755 "$in/tamalloc-tests" /root/tamalloc-tests
	TAM_MODULE_FILE=/root/tamalloc.ko /root/tamalloc-tests 2>&1
	check "tamalloc-tests pass on $kver" [ $? -eq 0 ]
	rm -f /root/tamalloc-tests /root/tamalloc.ko
	files=$(dpkg -L $packages | while read -r f; do [ -d "$f" ] || echo "$f"; done)
	modprobe -r tamalloc
	ko=$(find "/lib/modules/$kver" -name 'tamalloc.ko*' | head -n 1)
	mv "$ko" /root/tamalloc.ko.saved
	doctor 3 "tamalloc-doctor, module gone" "not built for $kver"
	mv /root/tamalloc.ko.saved "$ko"
	# A build that fails, as a kernel's API change would make it: DKMS's own
	# log of it, found and shown.
	ver=$(dpkg-query -W -f '${Version}' tamalloc-dkms)
	compat=/usr/src/tamalloc-$ver/module/compat.h
	cp "$compat" /root/compat.h.saved
	echo '#error "broken on purpose by the system test"' >>"$compat"
	logged "dkms remove tamalloc/$ver -k $kver" dkms remove "tamalloc/$ver" -k "$kver"
	logged "dkms build of a broken source fails" \
		sh -c "! dkms build tamalloc/$ver -k $kver"
	doctor 4 "tamalloc-doctor, the build failed" "DKMS could not build tamalloc for $kver"
	check "tamalloc-doctor, the build failed: shows the compiler's error" \
		grep -q "| .*broken on purpose by the system test" /tmp/out
	cp /root/compat.h.saved "$compat"
	logged "6: apt purge removes all four packages" apt-get purge -y $packages
	check "6: no tamalloc module under /lib/modules" \
		[ -z "$(find /lib/modules -name 'tamalloc.ko*')" ]
	# (bookworm's dkms may also complain of a broken pipe of its own on
	# stderr: what it lists is on stdout.)
	left=$(dkms status 2>/dev/null)
	check "6: dkms status is empty${left:+: $left}" [ -z "$left" ]
	left=$(for f in $files /usr/src/tamalloc-* /var/lib/dkms/tamalloc; do
		[ -e "$f" ] && echo "$f"; done)
	check "6: no file of the packages left${left:+: $left}" [ -z "$left" ]
	next none
	;;
*)
	echo "system-test: unknown stage '$stage'"
	;;
esac
