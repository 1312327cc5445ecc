# SPDX-License-Identifier: GPL-2.0
#
# tamalloc top-level Makefile.
#
#   make check     every test: host unit tests, checkpatch and sparse, the
#                  Debian packages and lintian, the DKMS build, the VM
#                  harness's tests, the in-VM suites on every supported
#                  kernel series (5.10 to 7.3), the debug-kernel lane and the
#                  whole-system test (scripts/test installs what they need
#                  first)
#   make deb       the Debian packages, into build/
#   make system-check  the packages installed on whole Debian systems
#   make bench     first-touch benchmark on every series (ratios, not a test)
#   make bench-alloc  the allocator against glibc malloc (ratios, not a test)
#   make bench-parallel  calls made by every CPU at once (ratios, not a test)
#   make bench-purge  purgeable memory against madvise and swap (ratios)
#   make module SERIES=...  build tamalloc.ko for one kernel series
#   make guest     the static binaries that run inside the VM
#   make host-check        host-side unit tests only

BUILD		?= build
# For recipes whose scripts run make themselves: under `make -j` (as check
# runs what comes before the VM lanes) they would inherit a jobserver they
# cannot reach, and warn; they start afresh instead.
NO_JOBSERVER	:= MAKEFLAGS=
KSERIES		?= $(shell scripts/kernel-version --list)
CC		?= gcc
CFLAGS		?= -O2 -g
WARN		:= -Wall -Wextra -Werror
override CPPFLAGS += -Iinclude -DTAM_PACKAGE_VERSION='"$(VERSION)"'
CHECK_LIBS	= $(shell pkg-config --libs --static check 2>/dev/null)
CHECK_CFLAGS	= $(shell pkg-config --cflags check 2>/dev/null)

# The version's one place is debian/changelog's first line (dkms.conf says
# #MODULE_VERSION#, filled in where the sources are installed).
VERSION		:= $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
SOVERSION	:= 0

PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
MANDIR		?= $(PREFIX)/share/man
PKGCONFIGDIR	?= $(LIBDIR)/pkgconfig
PRELOADDIR	?= $(LIBDIR)/tamalloc
UDEVDIR		?= /usr/lib/udev/rules.d
MODULESLOADDIR	?= /usr/lib/modules-load.d
DKMSDIR		?= /usr/src/tamalloc-$(VERSION)

KSRC		:= Kbuild $(wildcard module/*.c module/*.h) include/linux/tamalloc.h \
		   debian/changelog
VM_TESTS	:= $(wildcard tests/vm/*.c)
LIB_SRC		:= lib/tamalloc.c lib/alloc.c
LIB_HDRS	:= lib/tamalloc.h lib/internal.h include/linux/tamalloc.h
CLI_LIB_SRC	:= cli/options.c cli/format.c
CLI_SRC		:= cli/main.c $(CLI_LIB_SRC)
GUEST_BINS	:= $(BUILD)/guest/bin/tamalloc-tests \
		   $(BUILD)/guest/bin/tamalloc-seed \
		   $(BUILD)/guest/bin/tamalloc-bench-touch \
		   $(BUILD)/guest/bin/tamalloc-bench-parallel \
		   $(BUILD)/guest/bin/tamalloc-bench-purge \
		   $(BUILD)/guest/bin/tamalloc-stat \
		   $(BUILD)/guest/bin/tamalloc-lib-tests \
		   $(BUILD)/guest/bin/tamalloc-alloc-tests \
		   $(BUILD)/guest/bin/tamalloc-run \
		   $(BUILD)/guest/bin/tamalloc-measure \
		   $(BUILD)/guest/bin/tamalloc-discard \
		   $(BUILD)/guest/bin/tamalloc-cache \
		   $(BUILD)/guest/bin/tamalloc-stress \
		   $(BUILD)/guest/bin/tamalloc-fuzz \
		   $(BUILD)/guest/bin/tamalloc-doctor

.PHONY: all lib cli module guest host-check lint harness-check vm-check \
	debug-check debug-fuzz dkms-check check bench bench-alloc bench-parallel bench-purge install install-dkms \
	uninstall deb print-version system-check clean

all: lib cli guest

# libtamalloc: shared (only the symbol map's names exported) and static.
# The library's calls to its own exported functions (malloc to tam_malloc in
# the preload library) bind at link time, not through the PLT.
LIB_SO		:= $(BUILD)/lib/libtamalloc.so.$(VERSION)
LIB_A		:= $(BUILD)/lib/libtamalloc.a
LIB_CFLAGS	:= $(CFLAGS) $(WARN) $(CPPFLAGS) -Ilib -fPIC -fvisibility=hidden \
		   -fno-semantic-interposition -pthread
LIB_LDFLAGS	= $(LDFLAGS) -shared -pthread -Wl,-Bsymbolic-functions
LIB_OBJS	:= $(patsubst lib/%.c,$(BUILD)/lib/%.o,$(LIB_SRC))

PRELOAD_SO	:= $(BUILD)/lib/libtamalloc-preload.so

lib: $(LIB_SO) $(LIB_A) $(PRELOAD_SO)

$(BUILD)/lib/%.o: lib/%.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -c -o $@ $<

$(LIB_SO): $(LIB_OBJS) lib/libtamalloc.map
	$(CC) $(LIB_LDFLAGS) -Wl,-soname,libtamalloc.so.$(SOVERSION) \
		-Wl,--version-script=lib/libtamalloc.map -o $@ $(LIB_OBJS)
	ln -sf libtamalloc.so.$(VERSION) $(BUILD)/lib/libtamalloc.so.$(SOVERSION)
	ln -sf libtamalloc.so.$(SOVERSION) $(BUILD)/lib/libtamalloc.so

$(LIB_A): $(LIB_OBJS)
	$(AR) rcs $@ $^

# The allocator as the whole malloc family, for LD_PRELOAD (tamalloc-run).
$(PRELOAD_SO): $(LIB_OBJS) $(BUILD)/lib/preload.o
	$(CC) $(LIB_LDFLAGS) -o $@ $^

# tamalloc-stat, linked against the shared library on the host; tamalloc-run.
cli: $(BUILD)/bin/tamalloc-stat $(BUILD)/bin/tamalloc-run

$(BUILD)/bin/tamalloc-run: cli/run.c include/linux/tamalloc.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) \
		-DTAM_PRELOAD_PATH='"$(PRELOADDIR)/libtamalloc-preload.so"' $(LDFLAGS) -o $@ $<

$(BUILD)/bin/tamalloc-stat: $(CLI_SRC) cli/stat.h $(LIB_SO)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) -Ilib $(LDFLAGS) -o $@ $(CLI_SRC) \
		-L$(BUILD)/lib -ltamalloc -Wl,-rpath,'$$ORIGIN/../lib'

# The module for one kernel: SERIES=5.10|6.1|6.12|7.2|7.3 builds it for the
# newest Debian kernel of the series as DKMS on its release would, on this
# host (bookworm) or in the release's chroot (scripts/release-chroot); KDIR
# may name any prepared kernel tree instead (KNAME then names the build).
# Each kernel builds in a copy of the sources of its own, so builds for
# different kernels never share object files.
ifneq ($(SERIES),)
KVER		:= $(shell scripts/kernel-version $(SERIES))
KCHROOT		:= $(shell scripts/kernel-version --chroot $(SERIES))
endif
KDIR		?= /lib/modules/$(KVER)/build
KNAME		?= $(KVER)
KBUILD_DIR	= $(abspath $(BUILD)/kmod/$(KNAME))

module:
	@test -n "$(KNAME)" || { echo "make module: set SERIES (see scripts/kernel-version --list), or KDIR and KNAME" >&2; exit 2; }
	@mkdir -p $(KBUILD_DIR)
	@# Only what changed is copied: the rest keeps its time, so kbuild
	@# rebuilds nothing for it and a .ko another VM may be reading stays.
	@for f in $(KSRC); do cmp -s $$f $(KBUILD_DIR)/$$f || \
		{ mkdir -p $(KBUILD_DIR)/$$(dirname $$f) && cp $$f $(KBUILD_DIR)/$$f; } || exit 1; done
ifneq ($(KCHROOT),)
	scripts/release-chroot --run $(SERIES) --bind $(KBUILD_DIR):/tmp/tamalloc-build -- \
		make -C /usr/src/linux-headers-$(KVER) M=/tmp/tamalloc-build W=1 \
		$(if $(C),C=$(C)) $(if $(filter s,$(MAKEFLAGS)),-s) modules
else
	$(MAKE) -C $(KDIR) M=$(KBUILD_DIR) W=1 modules
endif

# The static binaries that run inside the VM, and the preload library
# tamalloc-run loads there (scripts/vm-run adds it).
guest: $(GUEST_BINS) $(PRELOAD_SO)

$(BUILD)/guest/bin/tamalloc-tests: $(VM_TESTS) tests/tam_test.h tests/check_run.h include/linux/tamalloc.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) -Itests $(CHECK_CFLAGS) -static -pthread \
		-o $@ $(VM_TESTS) $(CHECK_LIBS)

$(BUILD)/guest/bin/tamalloc-seed: examples/seed.c lib/tamalloc.h $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -Ilib -static -o $@ $< $(LIB_A)

$(BUILD)/guest/bin/tamalloc-discard: examples/discard.c lib/tamalloc.h $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -Ilib -static -o $@ $< $(LIB_A)

$(BUILD)/guest/bin/tamalloc-cache: examples/cache.c lib/tamalloc.h $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -Ilib -static -o $@ $< $(LIB_A)

$(BUILD)/guest/bin/tamalloc-bench-touch: bench/first_touch.c bench/bench.h include/linux/tamalloc.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) -static -pthread -o $@ $<

$(BUILD)/guest/bin/tamalloc-bench-parallel: bench/parallel.c bench/bench.h include/linux/tamalloc.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) -static -o $@ $<

$(BUILD)/guest/bin/tamalloc-bench-purge: bench/purge.c bench/bench.h include/linux/tamalloc.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -Iinclude -static -o $@ $<

$(BUILD)/guest/bin/tamalloc-stress: tests/stress/stress.c include/linux/tamalloc.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) -static -pthread -o $@ $<

$(BUILD)/guest/bin/tamalloc-fuzz: tests/fuzz/fuzz.c include/linux/tamalloc.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) -static -pthread -o $@ $<

# In the VM the preload library is added at /usr/local/lib (tests/run-test.sh).
$(BUILD)/guest/bin/tamalloc-run: cli/run.c include/linux/tamalloc.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) -static \
		-DTAM_PRELOAD_PATH='"/usr/local/lib/libtamalloc-preload.so"' -o $@ $<

$(BUILD)/guest/bin/tamalloc-doctor: cli/tamalloc-doctor
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

$(BUILD)/guest/bin/tamalloc-measure: bench/measure.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -static -o $@ $<

# Dynamically linked, so that tamalloc-run can preload them.
$(BUILD)/run/tamalloc-preload-tests: tests/run/preload_test.c tests/check_run.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -Itests $(CHECK_CFLAGS) -pthread -o $@ $< $(CHECK_LIBS)

$(BUILD)/bench/tamalloc-bench-alloc: bench/alloc_work.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -pthread -o $@ $<

$(BUILD)/guest/bin/tamalloc-stat: $(CLI_SRC) cli/stat.h $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) -Ilib -static -o $@ $(CLI_SRC) $(LIB_A)

$(BUILD)/guest/bin/tamalloc-lib-tests: tests/lib/lib_test.c tests/vm/helpers.c tests/tam_test.h $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) -Ilib -Itests $(CHECK_CFLAGS) -static -pthread \
		-o $@ tests/lib/lib_test.c tests/vm/helpers.c $(LIB_A) $(CHECK_LIBS)

$(BUILD)/guest/bin/tamalloc-alloc-tests: tests/lib/alloc_test.c tests/vm/helpers.c tests/tam_test.h $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) -Ilib -Itests $(CHECK_CFLAGS) -static -pthread \
		-o $@ tests/lib/alloc_test.c tests/vm/helpers.c $(LIB_A) $(CHECK_LIBS)

$(BUILD)/host/abi-tests: tests/host/abi_test.c include/linux/tamalloc.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) -Itests $(CHECK_CFLAGS) -o $@ $< $(CHECK_LIBS)

$(BUILD)/host/stat-tests: tests/host/stat_test.c $(CLI_LIB_SRC) cli/stat.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) -Ilib -Icli -Itests $(CHECK_CFLAGS) -o $@ \
		tests/host/stat_test.c $(CLI_LIB_SRC) $(CHECK_LIBS)

# lib and cli: install-check's own make finds them made (beside guest,
# under check's -j2, it would build the same files at the same time).
host-check: $(BUILD)/host/abi-tests $(BUILD)/host/stat-tests lib cli
	$(BUILD)/host/abi-tests
	$(BUILD)/host/stat-tests
	$(NO_JOBSERVER) scripts/install-check

# Every VM lane, two at a time (tests/vm-check.sh): the debug-kernel lane,
# the whole-system test on each of SYSTEM_RELEASES (scripts/system-check,
# which installs the packages `make deb` made) and the in-VM suites on every
# supported kernel series (tests/vm-suites.sh), the stress and the fuzzer at
# full length on LONG_SERIES.
LONG_SERIES	?= 5.10 6.12 7.3
SYSTEM_RELEASES	?= trixie bookworm
VM_NEEDS	= guest $(PRELOAD_SO) $(BUILD)/run/tamalloc-preload-tests

# The packages the whole-system lanes install (check has made them before).
VM_CHECK_DEB	?= deb

vm-check: $(VM_NEEDS) $(VM_CHECK_DEB)
	KSERIES="$(KSERIES)" LONG_SERIES="$(LONG_SERIES)" STRESS_SEED=$(STRESS_SEED) \
		FUZZ_SEED=$(FUZZ_SEED) SYSTEM_RELEASES="$(SYSTEM_RELEASES)" tests/vm-check.sh

# The whole-system test alone.
system-check: deb guest
	scripts/system-check $(SYSTEM_RELEASES)

# The debug-kernel lane alone: KASAN, KMEMLEAK, lockdep, DEBUG_VM, UBSAN.
debug-check: $(VM_NEEDS)
	STRESS_SEED=$(STRESS_SEED) FUZZ_SEED=$(FUZZ_SEED) tests/debug-check.sh

# The fuzzer alone on the debug kernel, 10^6 calls (the lane runs 10^5):
# about 40 minutes, too long for CI; run before a release or a change to the
# ioctls, and its result goes in the README.
debug-fuzz: guest
	FUZZ_ONLY=1 FUZZ_CALLS=1000000 DEBUG_TIMEOUT=10800 FUZZ_SEED=$(FUZZ_SEED) \
		tests/debug-check.sh

dkms-check: guest
	$(NO_JOBSERVER) scripts/dkms-check $(KSERIES)

lint:
	$(NO_JOBSERVER) scripts/lint $(KSERIES)

harness-check: guest
	$(NO_JOBSERVER) tests/harness.sh

# Seeds for the stress and the fuzzer: fixed, so a CI failure reproduces.
STRESS_SEED	?= 1
FUZZ_SEED	?= 1

# What runs before the VM lanes, two at a time (two cores; dkms-check and
# harness-check boot one VM each); with -k the lanes run even when one of
# these failed, and check still fails.
PRE_VM_CHECKS	:= host-check lint deb dkms-check harness-check

check:
	@pre=0; $(MAKE) --no-print-directory -j2 --output-sync=target $(PRE_VM_CHECKS) || pre=1; \
	[ $$pre -eq 0 ] || [ -n "$(findstring k,$(firstword -$(MAKEFLAGS)))" ] || exit 1; \
	$(MAKE) --no-print-directory vm-check VM_CHECK_DEB= && [ $$pre -eq 0 ]
	@echo "make check: every suite passed"

# The allocator against glibc's malloc, same VM run: time and peak RSS ratios.
bench-alloc: guest $(PRELOAD_SO) $(BUILD)/bench/tamalloc-bench-alloc
	scripts/vm-run --kernel $(BENCH_SERIES) --cpu max,-erms,-fsrm --mem 2G --timeout 3000 \
		$$(cat tests/run/vm-programs) --add /usr/bin/jq \
		--add $(BUILD)/bench/tamalloc-bench-alloc:/usr/bin/tamalloc-bench-alloc \
		--add bench/alloc-bench.sh:/root/alloc-bench.sh -- sh /root/alloc-bench.sh

BENCH_SERIES	?= 6.12

# Each series by wall time, and where the guest runs under QEMU's -icount
# (5.10 and 6.1 guests print nothing there) by instruction count too.
ICOUNT_SERIES	?= 6.12 7.2 7.3

bench: guest
	@for s in $(KSERIES); do \
		echo "== $$s, wall time"; \
		scripts/vm-run --kernel $$s --cpu max,-erms,-fsrm -- tamalloc-bench-touch || exit 1; \
		case " $(ICOUNT_SERIES) " in *" $$s "*) \
			echo "== $$s, instruction count"; \
			scripts/vm-run --kernel $$s --cpu max,-erms,-fsrm --icount --timeout 1200 \
				-- tamalloc-bench-touch || exit 1 ;; \
		esac; \
	done

# Purgeable memory on BENCH_SERIES: an unpin and pin pair against madvise()
# by instruction count, purge against swap-out by wall time (disk I/O takes
# no instructions), and the demo's cache against the same cache capped.
bench-purge: guest
	scripts/vm-run --kernel $(BENCH_SERIES) --icount --timeout 1200 \
		-- tamalloc-bench-purge pair ranges
	scripts/vm-run --kernel $(BENCH_SERIES) --swap 1G --timeout 1200 \
		-- tamalloc-bench-purge reclaim
	scripts/vm-run --kernel $(BENCH_SERIES) --mem 512M --timeout 1800 \
		--add bench/purge-cache.sh:/root/purge-cache.sh -- sh /root/purge-cache.sh

# Every CPU making the same calls at once, on BENCH_SERIES, each vCPU on a
# host thread of its own (so nothing else should run beside it).
bench-parallel: guest
	scripts/vm-run --kernel $(BENCH_SERIES) --parallel -- tamalloc-bench-parallel

MANPAGES	:= $(wildcard man/*.[134])

install: lib cli
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(PRELOADDIR) $(DESTDIR)$(INCLUDEDIR)/linux \
		$(DESTDIR)$(UDEVDIR) $(DESTDIR)$(MODULESLOADDIR)
	install -m 0755 $(BUILD)/bin/tamalloc-stat $(BUILD)/bin/tamalloc-run \
		cli/tamalloc-doctor $(DESTDIR)$(BINDIR)/
	install -m 0644 $(LIB_SO) $(LIB_A) $(DESTDIR)$(LIBDIR)/
	install -m 0644 $(PRELOAD_SO) $(DESTDIR)$(PRELOADDIR)/
	ln -sf libtamalloc.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libtamalloc.so.$(SOVERSION)
	ln -sf libtamalloc.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libtamalloc.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    lib/tamalloc.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/tamalloc.pc
	install -m 0644 lib/tamalloc.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 0644 include/linux/tamalloc.h $(DESTDIR)$(INCLUDEDIR)/linux/
	install -m 0644 scripts/60-tamalloc.rules $(DESTDIR)$(UDEVDIR)/
	install -m 0644 scripts/tamalloc.conf $(DESTDIR)$(MODULESLOADDIR)/
	for m in $(MANPAGES); do \
		s=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s; \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; \
	done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tamalloc-stat $(DESTDIR)$(BINDIR)/tamalloc-run \
		$(DESTDIR)$(BINDIR)/tamalloc-doctor \
		$(DESTDIR)$(PRELOADDIR)/libtamalloc-preload.so \
		$(DESTDIR)$(LIBDIR)/libtamalloc.so.$(VERSION) \
		$(DESTDIR)$(LIBDIR)/libtamalloc.so.$(SOVERSION) \
		$(DESTDIR)$(LIBDIR)/libtamalloc.so $(DESTDIR)$(LIBDIR)/libtamalloc.a \
		$(DESTDIR)$(PKGCONFIGDIR)/tamalloc.pc $(DESTDIR)$(INCLUDEDIR)/tamalloc.h \
		$(DESTDIR)$(INCLUDEDIR)/linux/tamalloc.h \
		$(DESTDIR)$(UDEVDIR)/60-tamalloc.rules \
		$(DESTDIR)$(MODULESLOADDIR)/tamalloc.conf
	for m in $(MANPAGES); do \
		s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$$(basename $$m); \
	done
	rmdir $(DESTDIR)$(PRELOADDIR) 2>/dev/null || true

# The module's sources where DKMS looks for them, as tamalloc-dkms ships them:
# then `dkms install tamalloc/$(VERSION)` (README, "Without the packages").
install-dkms:
	install -d $(DESTDIR)$(DKMSDIR)/module $(DESTDIR)$(DKMSDIR)/include/linux
	install -m 0644 Kbuild $(DESTDIR)$(DKMSDIR)/
	install -m 0644 module/*.c module/*.h $(DESTDIR)$(DKMSDIR)/module/
	install -m 0644 include/linux/tamalloc.h $(DESTDIR)$(DKMSDIR)/include/linux/
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf >$(DESTDIR)$(DKMSDIR)/dkms.conf

print-version:
	@echo $(VERSION)

# The four Debian packages (debian/), unsigned, into $(BUILD)/: built from a
# copy of the tree in $(BUILD)/deb, where dpkg-buildpackage leaves the rest
# of its files (the source package, -dbgsym packages, .changes), and
# checked by lintian (--fail-on error; warnings are shown, and fixed or
# overridden in debian/ with the reason).
DEB_TREE	:= $(BUILD)/deb/tamalloc-$(VERSION)

deb:
	@# The last run's packages go first: a failed build leaves none to test.
	rm -rf $(BUILD)/deb $(BUILD)/*_$(VERSION)_*.deb && mkdir -p $(DEB_TREE)
	tar -c --exclude=./$(BUILD) --exclude=./.git --exclude=./.ci . | tar -x -C $(DEB_TREE)
	cd $(DEB_TREE) && $(NO_JOBSERVER) dpkg-buildpackage --build=full -us -uc
	lintian --fail-on error --info --display-info $(BUILD)/deb/tamalloc_$(VERSION)_*.changes
	cp $(BUILD)/deb/tamalloc-dkms_$(VERSION)_all.deb \
	   $(BUILD)/deb/libtamalloc0_$(VERSION)_*.deb \
	   $(BUILD)/deb/libtamalloc-dev_$(VERSION)_*.deb \
	   $(BUILD)/deb/tamalloc-utils_$(VERSION)_*.deb $(BUILD)/

clean:
	rm -rf $(BUILD)
