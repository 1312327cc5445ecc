# SPDX-License-Identifier: GPL-2.0
#
# tamalloc top-level Makefile.
#
#   make check     every test: host unit tests, checkpatch and sparse, the
#                  DKMS build, the VM harness's tests and the in-VM suites on
#                  Debian's 6.1 and 6.12 kernels (scripts/test installs what
#                  they need first)
#   make bench     first-touch benchmark on both kernels (ratios, not a test)
#   make bench-alloc  the allocator against glibc malloc (ratios, not a test)
#   make module KVER=...   build tamalloc.ko for one installed kernel
#   make guest     the static binaries that run inside the VM
#   make host-check        host-side unit tests only

BUILD		?= build
KSERIES		?= 6.1 6.12
CC		?= gcc
CFLAGS		?= -O2 -g
WARN		:= -Wall -Wextra -Werror
CPPFLAGS	+= -Iinclude -DTAM_PACKAGE_VERSION='"$(VERSION)"'
CHECK_LIBS	= $(shell pkg-config --libs --static check 2>/dev/null)
CHECK_CFLAGS	= $(shell pkg-config --cflags check 2>/dev/null)

VERSION		:= $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
SOVERSION	:= 0

PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
MANDIR		?= $(PREFIX)/share/man
PKGCONFIGDIR	?= $(LIBDIR)/pkgconfig
UDEVDIR		?= /lib/udev/rules.d
MODULESLOADDIR	?= /usr/lib/modules-load.d

KSRC		:= Kbuild $(wildcard module/*.c module/*.h) include/linux/tamalloc.h
VM_TESTS	:= $(wildcard tests/vm/*.c)
LIB_SRC		:= lib/tamalloc.c lib/alloc.c
LIB_HDRS	:= lib/tamalloc.h lib/internal.h include/linux/tamalloc.h
CLI_LIB_SRC	:= cli/options.c cli/format.c
CLI_SRC		:= cli/main.c $(CLI_LIB_SRC)
GUEST_BINS	:= $(BUILD)/guest/bin/tamalloc-tests \
		   $(BUILD)/guest/bin/tamalloc-seed \
		   $(BUILD)/guest/bin/tamalloc-bench-touch \
		   $(BUILD)/guest/bin/tamalloc-stat \
		   $(BUILD)/guest/bin/tamalloc-lib-tests \
		   $(BUILD)/guest/bin/tamalloc-alloc-tests \
		   $(BUILD)/guest/bin/tamalloc-run \
		   $(BUILD)/guest/bin/tamalloc-measure \
		   $(BUILD)/guest/bin/tamalloc-discard \
		   $(BUILD)/guest/bin/tamalloc-stress \
		   $(BUILD)/guest/bin/tamalloc-fuzz

.PHONY: all lib cli module guest host-check lint harness-check vm-check \
	debug-check dkms-check check bench bench-alloc install uninstall clean

all: lib cli guest

# libtamalloc: shared (only the symbol map's names exported) and static.
# The library's calls to its own exported functions (malloc to tam_malloc in
# the preload library) bind at link time, not through the PLT.
LIB_SO		:= $(BUILD)/lib/libtamalloc.so.$(VERSION)
LIB_A		:= $(BUILD)/lib/libtamalloc.a
LIB_CFLAGS	:= $(CFLAGS) $(WARN) $(CPPFLAGS) -Ilib -fPIC -fvisibility=hidden \
		   -fno-semantic-interposition -pthread
LIB_LDFLAGS	:= -shared -pthread -Wl,-Bsymbolic-functions
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
		-DTAM_PRELOAD_PATH='"$(LIBDIR)/libtamalloc-preload.so"' -o $@ $<

$(BUILD)/bin/tamalloc-stat: $(CLI_SRC) cli/stat.h $(LIB_SO)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) -Ilib -o $@ $(CLI_SRC) \
		-L$(BUILD)/lib -ltamalloc -Wl,-rpath,'$$ORIGIN/../lib'

# The module is built in a copy of the sources per kernel, so builds for
# different kernels never share object files.  KDIR may name any prepared
# kernel tree (KNAME then names the build directory).
KDIR		?= /lib/modules/$(KVER)/build
KNAME		?= $(KVER)

module:
	@test -n "$(KNAME)" || { echo "make module: set KVER (see scripts/kernel-version) or KDIR and KNAME" >&2; exit 2; }
	@mkdir -p $(BUILD)/kmod/$(KNAME)
	@cp -r --parents $(KSRC) $(BUILD)/kmod/$(KNAME)/
	$(MAKE) -C $(KDIR) M=$(abspath $(BUILD)/kmod/$(KNAME)) W=1 modules

guest: $(GUEST_BINS)

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

$(BUILD)/guest/bin/tamalloc-bench-touch: bench/first_touch.c include/linux/tamalloc.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) -static -pthread -o $@ $<

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

host-check: $(BUILD)/host/abi-tests $(BUILD)/host/stat-tests
	$(BUILD)/host/abi-tests
	$(BUILD)/host/stat-tests
	scripts/install-check

# Build and run the in-VM suites on every supported kernel.
VM_RUN_CHECKS	= --add /usr/bin/jq --add tests/checks.sh:/root/checks.sh
VM_RUN_CLI	= $(VM_RUN_CHECKS) --add tests/cli-test.sh:/root/cli-test.sh
VM_RUN_OOM	= --mem 512M --expect-oom $(VM_RUN_CHECKS) --add tests/oom-test.sh:/root/oom-test.sh
# Real programs under tamalloc-run: Debian's own binaries, with their libraries.
VM_RUN_PROGRAMS	= --add tests/run/workload.py:/root/workload.py --add tests/run/inputs.sh:/root/inputs.sh \
		  --add $(BUILD)/lib/libtamalloc-preload.so:/usr/local/lib/libtamalloc-preload.so \
		  --add /usr/bin/python3.11:/usr/bin/python3 --add /usr/lib/python3.11 \
		  --add /usr/bin/sqlite3 --add /usr/bin/xz --add /usr/bin/gawk --add /usr/bin/sort
VM_RUN_RUN	= --mem 2G --timeout 1500 $(VM_RUN_CHECKS) $(VM_RUN_PROGRAMS) \
		  --add tests/run-test.sh:/root/run-test.sh \
		  --add $(BUILD)/run/tamalloc-preload-tests:/usr/bin/tamalloc-preload-tests

vm-check: guest $(PRELOAD_SO) $(BUILD)/run/tamalloc-preload-tests
	@for s in $(KSERIES); do \
		echo "==== in-VM suites on Debian $$s ($$(scripts/kernel-version $$s))"; \
		scripts/vm-run --kernel $$s -- tamalloc-tests || exit 1; \
		scripts/vm-run --kernel $$s -- tamalloc-lib-tests || exit 1; \
		scripts/vm-run --kernel $$s -- tamalloc-alloc-tests || exit 1; \
		scripts/vm-run --kernel $$s $(VM_RUN_CLI) -- sh /root/cli-test.sh || exit 1; \
		scripts/vm-run --kernel $$s $(VM_RUN_OOM) -- sh /root/oom-test.sh || exit 1; \
		scripts/vm-run --kernel $$s $(VM_RUN_RUN) -- sh /root/run-test.sh || exit 1; \
		scripts/vm-run --kernel $$s --timeout 1200 -- tamalloc-stress -s $(STRESS_SEED) -n 1000 || exit 1; \
		scripts/vm-run --kernel $$s --timeout 1200 -- tamalloc-fuzz -s $(FUZZ_SEED) -n 1000000 || exit 1; \
	done

# The debug-kernel lane: KASAN, KMEMLEAK, lockdep, DEBUG_VM, UBSAN.
debug-check: guest
	@tree=$$(scripts/debug-kernel) && \
	$(MAKE) -s module KDIR=$$tree KNAME=debug-6.1 && \
	echo "==== debug kernel lane ($$tree)" && \
	scripts/vm-run --kernel $$tree/arch/x86/boot/bzImage \
		--module $(BUILD)/kmod/debug-6.1/tamalloc.ko --timeout 2400 \
		--add tests/debug-lane.sh:/root/debug-lane.sh -- \
		env STRESS_SEED=$(STRESS_SEED) FUZZ_SEED=$(FUZZ_SEED) sh /root/debug-lane.sh

dkms-check: guest
	scripts/dkms-check $(KSERIES)

lint:
	scripts/lint $(KSERIES)

harness-check: guest
	tests/harness.sh

# Seeds for the stress and the fuzzer: fixed, so a CI failure reproduces.
STRESS_SEED	?= 1
FUZZ_SEED	?= 1

check: host-check lint dkms-check harness-check vm-check debug-check
	@echo "make check: every suite passed"

# The allocator against glibc's malloc, same VM run: time and peak RSS ratios.
bench-alloc: guest $(PRELOAD_SO) $(BUILD)/bench/tamalloc-bench-alloc
	scripts/vm-run --kernel 6.12 --cpu max,-erms,-fsrm --mem 2G --timeout 3000 \
		$(VM_RUN_PROGRAMS) --add /usr/bin/jq \
		--add $(BUILD)/bench/tamalloc-bench-alloc:/usr/bin/tamalloc-bench-alloc \
		--add bench/alloc-bench.sh:/root/alloc-bench.sh -- sh /root/alloc-bench.sh

bench: guest
	@for s in $(KSERIES); do \
		scripts/vm-run --kernel $$s --cpu max,-erms,-fsrm -- tamalloc-bench-touch || exit 1; \
	done

MANPAGES	:= $(wildcard man/*.[134])

install: lib cli
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(INCLUDEDIR)/linux $(DESTDIR)$(UDEVDIR) $(DESTDIR)$(MODULESLOADDIR)
	install -m 0755 $(BUILD)/bin/tamalloc-stat $(BUILD)/bin/tamalloc-run $(DESTDIR)$(BINDIR)/
	install -m 0644 $(LIB_SO) $(LIB_A) $(PRELOAD_SO) $(DESTDIR)$(LIBDIR)/
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
		$(DESTDIR)$(LIBDIR)/libtamalloc-preload.so \
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

clean:
	rm -rf $(BUILD)
