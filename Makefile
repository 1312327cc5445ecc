# SPDX-License-Identifier: GPL-2.0
#
# tamalloc top-level Makefile.
#
#   make check     every test: host unit tests, checkpatch and sparse, the
#                  DKMS build, the VM harness's tests and the in-VM suites on
#                  Debian's 6.1 and 6.12 kernels (scripts/test installs what
#                  they need first)
#   make bench     first-touch benchmark on both kernels (ratios, not a test)
#   make module KVER=...   build tamalloc.ko for one installed kernel
#   make guest     the static binaries that run inside the VM
#   make host-check        host-side unit tests only

BUILD		?= build
KSERIES		?= 6.1 6.12
CC		?= gcc
CFLAGS		?= -O2 -g
WARN		:= -Wall -Wextra -Werror
CPPFLAGS	+= -Iinclude
CHECK_LIBS	= $(shell pkg-config --libs --static check 2>/dev/null)
CHECK_CFLAGS	= $(shell pkg-config --cflags check 2>/dev/null)

KSRC		:= Kbuild $(wildcard module/*.c module/*.h) include/linux/tamalloc.h
VM_TESTS	:= $(wildcard tests/vm/*.c)
GUEST_BINS	:= $(BUILD)/guest/bin/tamalloc-tests \
		   $(BUILD)/guest/bin/tamalloc-seed \
		   $(BUILD)/guest/bin/tamalloc-bench-touch

.PHONY: all module guest host-check lint harness-check vm-check dkms-check \
	check bench clean

all: guest

# The module is built in a copy of the sources per kernel, so builds for
# different kernels never share object files.
module:
	@test -n "$(KVER)" || { echo "make module: set KVER (see scripts/kernel-version)" >&2; exit 2; }
	@mkdir -p $(BUILD)/kmod/$(KVER)
	@cp -r --parents $(KSRC) $(BUILD)/kmod/$(KVER)/
	$(MAKE) -C /lib/modules/$(KVER)/build M=$(abspath $(BUILD)/kmod/$(KVER)) W=1 modules

guest: $(GUEST_BINS)

$(BUILD)/guest/bin/tamalloc-tests: $(VM_TESTS) tests/tam_test.h include/linux/tamalloc.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) -Itests $(CHECK_CFLAGS) -static -pthread \
		-o $@ $(VM_TESTS) $(CHECK_LIBS)

$(BUILD)/guest/bin/tamalloc-seed: examples/seed.c include/linux/tamalloc.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) -static -o $@ $<

$(BUILD)/guest/bin/tamalloc-bench-touch: bench/first_touch.c include/linux/tamalloc.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) -static -pthread -o $@ $<

$(BUILD)/host/abi-tests: tests/host/abi_test.c include/linux/tamalloc.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) $(CHECK_CFLAGS) -o $@ $< $(CHECK_LIBS)

host-check: $(BUILD)/host/abi-tests
	$(BUILD)/host/abi-tests

# Build and run the in-VM suites on every supported kernel.
vm-check: guest
	@for s in $(KSERIES); do \
		echo "==== in-VM suites on Debian $$s ($$(scripts/kernel-version $$s))"; \
		scripts/vm-run --kernel $$s -- tamalloc-tests || exit 1; \
	done

dkms-check: guest
	scripts/dkms-check $(KSERIES)

lint:
	scripts/lint $(KSERIES)

harness-check: guest
	tests/harness.sh

check: host-check lint dkms-check harness-check vm-check
	@echo "check: all passed"

bench: guest
	@for s in $(KSERIES); do \
		scripts/vm-run --kernel $$s --cpu max,-erms,-fsrm -- tamalloc-bench-touch || exit 1; \
	done

clean:
	rm -rf $(BUILD)
