#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tamalloc-doctor's every finding, inside scripts/vm-run (busybox sh), made
# real in the throwaway VM: the module installed or not for the running
# kernel, loaded or not, DKMS's failed build (a make.log and a dkms that
# reports the module added), Secure Boot refusing it (a mokutil that says so),
# the node's mode.  The whole-system test sees the doctor on a real Debian
# system too.
#   scripts/vm-run --add tests/checks.sh:/root/checks.sh \
#       --add tests/doctor-test.sh:/root/doctor-test.sh -- sh /root/doctor-test.sh
. /root/checks.sh
kver=$(uname -r)
installed=/lib/modules/$kver/updates/dkms/tamalloc.ko

mkdir -p "${installed%/*}"
cp /lib/modules/tamalloc.ko "$installed"
doctor 0 "all well" "^all well: /dev/tamalloc is ready"
check "all well: names the kernel" grep -q "^kernel: $kver" /tmp/out
check "all well: shows the parameters" grep -q "parameter huge = " /tmp/out
doctor 0 "all well, as nobody" "^ok: nobody can open /dev/tamalloc" nobody

# After an upgrade: DKMS has installed a newer module than the one loaded.
mkdir -p /tmp/bin
loaded=$(cat /sys/module/tamalloc/version)
printf '#!/bin/sh\necho "tamalloc/99.0.1, %s, x86_64: installed"\n' "$kver" >/tmp/bin/dkms
chmod +x /tmp/bin/dkms
PATH=/tmp/bin:$PATH doctor 10 "an older module loaded" "the loaded module ($loaded) is older than tamalloc 99.0.1, installed for $kver"
check "an older module loaded: says how to reload it" grep -q "modprobe -r tamalloc && modprobe tamalloc" /tmp/out
printf '#!/bin/sh\necho "tamalloc/%s, %s, x86_64: installed"\n' "$loaded" "$kver" >/tmp/bin/dkms
PATH=/tmp/bin:$PATH doctor 0 "the loaded module is the installed one" "^all well"
check "the loaded module: its version shown" grep -q "^ok: the module is loaded: version $loaded" /tmp/out
rm -rf /tmp/bin


chmod 0600 /dev/tamalloc
doctor 8 "wrong mode" "has mode and owner 600 root:root"
check "wrong mode: says which rule sets it" grep -q "60-tamalloc.rules" /tmp/out
doctor 8 "wrong mode, as nobody" "nobody cannot open /dev/tamalloc" nobody
chmod 0666 /dev/tamalloc

rmmod tamalloc
doctor 6 "not loaded" "what to do: modprobe tamalloc"
check "not loaded: the module is installed" grep -q "^ok: the module is installed for $kver" /tmp/out

rm "$installed"
doctor 3 "module missing" "not built for $kver, whose headers are not installed"
check "module missing: says which headers" grep -q "apt install linux-headers-$kver" /tmp/out

# DKMS tried and failed: its log for this kernel, and a dkms that says so.
mkdir -p /var/lib/dkms/tamalloc/0.3.0/build /tmp/bin
{
	echo "DKMS make.log for tamalloc-0.3.0 for kernel $kver (x86_64)"
	echo "module/object.c:42:1: error: expected ';' before '}' token"
	echo "make: *** [Makefile:1234: _module_/build] Error 2"
} >/var/lib/dkms/tamalloc/0.3.0/build/make.log
printf '#!/bin/sh\necho "tamalloc/0.3.0: added"\n' >/tmp/bin/dkms
chmod +x /tmp/bin/dkms
PATH=/tmp/bin:$PATH doctor 4 "build failed" "DKMS could not build tamalloc for $kver"
check "build failed: names the log" grep -q "DKMS's build log: /var/lib/dkms/tamalloc/0.3.0/build/make.log" /tmp/out
check "build failed: shows its last lines" grep -q "| module/object.c:42:1: error" /tmp/out
check "build failed: shows DKMS's status" grep -q "^  tamalloc/0.3.0: added" /tmp/out
rm -rf /var/lib/dkms /tmp/bin/dkms

# Secure Boot on, DKMS's key not enrolled, the module installed, not loaded.
cp /lib/modules/tamalloc.ko "$installed"
mkdir -p /var/lib/dkms
echo "not a real key" >/var/lib/dkms/mok.pub
cat >/tmp/bin/mokutil <<'EOF'
#!/bin/sh
case "$1" in
--sb-state)	echo "SecureBoot enabled" ;;
--test-key)	echo "$2 is not enrolled" ;;
esac
EOF
chmod +x /tmp/bin/mokutil
PATH=/tmp/bin:$PATH doctor 5 "Secure Boot refuses it" "mokutil --import /var/lib/dkms/mok.pub"
check "Secure Boot refuses it: says the state" grep -q "^Secure Boot: SecureBoot enabled" /tmp/out
rm -rf /var/lib/dkms /tmp/bin

expect_exit 2 "an unknown argument" tamalloc-doctor --bogus
check "an unknown argument: says which" grep -q "unknown argument '--bogus'" /tmp/out

insmod /lib/modules/tamalloc.ko
summary doctor
