// SPDX-License-Identifier: MIT
/*
 * The stats ABI is frozen: these are the offsets, sizes and ioctl numbers
 * that binaries built today carry forever.  A change that moves any of them
 * breaks every program built against an older header; grow the structs at
 * the end instead (see include/linux/tamalloc.h).
 */
#include <check.h>
#include <stddef.h>
#include <stdlib.h>

#include <linux/tamalloc.h>
#include "check_run.h"

#define FIELD_END(type, field) \
	(offsetof(type, field) + sizeof(((type *)0)->field))

START_TEST(proc_stats_layout)
{
	ck_assert_uint_eq(sizeof(struct tam_proc_stats), TAM_PROC_STATS_SIZE_VER3);
	ck_assert_uint_eq(TAM_PROC_STATS_SIZE_VER0, 80);
	ck_assert_uint_eq(TAM_PROC_STATS_SIZE_VER1, 96);
	ck_assert_uint_eq(TAM_PROC_STATS_SIZE_VER2, 112);
	ck_assert_uint_eq(TAM_PROC_STATS_SIZE_VER3, 136);
	ck_assert_uint_eq(offsetof(struct tam_proc_stats, size), 0);
	ck_assert_uint_eq(offsetof(struct tam_proc_stats, pid), 8);
	ck_assert_uint_eq(offsetof(struct tam_proc_stats, oom_score_adj), 12);
	ck_assert_uint_eq(offsetof(struct tam_proc_stats, reserved_bytes), 16);
	ck_assert_uint_eq(offsetof(struct tam_proc_stats, resident_bytes), 24);
	ck_assert_uint_eq(offsetof(struct tam_proc_stats, peak_resident_bytes), 32);
	ck_assert_uint_eq(offsetof(struct tam_proc_stats, faults), 40);
	ck_assert_uint_eq(offsetof(struct tam_proc_stats, mappings), 48);
	ck_assert_uint_eq(offsetof(struct tam_proc_stats, oom_score), 56);
	ck_assert_uint_eq(offsetof(struct tam_proc_stats, comm), 64);
	ck_assert_uint_eq(FIELD_END(struct tam_proc_stats, comm),
			  TAM_PROC_STATS_SIZE_VER0);
	ck_assert_uint_eq(offsetof(struct tam_proc_stats, reserved_limit), 80);
	ck_assert_uint_eq(offsetof(struct tam_proc_stats, resident_limit), 88);
	ck_assert_uint_eq(FIELD_END(struct tam_proc_stats, resident_limit),
			  TAM_PROC_STATS_SIZE_VER1);
	ck_assert_uint_eq(offsetof(struct tam_proc_stats, shared_bytes), 96);
	ck_assert_uint_eq(offsetof(struct tam_proc_stats, shared_swap_bytes), 104);
	ck_assert_uint_eq(FIELD_END(struct tam_proc_stats, shared_swap_bytes),
			  TAM_PROC_STATS_SIZE_VER2);
	ck_assert_uint_eq(offsetof(struct tam_proc_stats, unpinned_bytes), 112);
	ck_assert_uint_eq(offsetof(struct tam_proc_stats, purged_bytes), 120);
	ck_assert_uint_eq(offsetof(struct tam_proc_stats, purges), 128);
	/* No tail padding the kernel could leave uninitialised. */
	ck_assert_uint_eq(FIELD_END(struct tam_proc_stats, purges),
			  sizeof(struct tam_proc_stats));
}
END_TEST

START_TEST(sys_stats_layout)
{
	ck_assert_uint_eq(sizeof(struct tam_sys_stats), TAM_SYS_STATS_SIZE_VER3);
	ck_assert_uint_eq(TAM_SYS_STATS_SIZE_VER0, 64);
	ck_assert_uint_eq(TAM_SYS_STATS_SIZE_VER1, 80);
	ck_assert_uint_eq(TAM_SYS_STATS_SIZE_VER2, 88);
	ck_assert_uint_eq(TAM_SYS_STATS_SIZE_VER3, 112);
	ck_assert_uint_eq(offsetof(struct tam_sys_stats, reserved_bytes), 8);
	ck_assert_uint_eq(offsetof(struct tam_sys_stats, resident_bytes), 16);
	ck_assert_uint_eq(offsetof(struct tam_sys_stats, peak_resident_bytes), 24);
	ck_assert_uint_eq(offsetof(struct tam_sys_stats, faults), 32);
	ck_assert_uint_eq(offsetof(struct tam_sys_stats, processes), 40);
	ck_assert_uint_eq(offsetof(struct tam_sys_stats, mappings), 48);
	ck_assert_uint_eq(offsetof(struct tam_sys_stats, shared_bytes), 56);
	ck_assert_uint_eq(FIELD_END(struct tam_sys_stats, shared_bytes),
			  TAM_SYS_STATS_SIZE_VER0);
	ck_assert_uint_eq(offsetof(struct tam_sys_stats, reserved_limit), 64);
	ck_assert_uint_eq(offsetof(struct tam_sys_stats, resident_limit), 72);
	ck_assert_uint_eq(FIELD_END(struct tam_sys_stats, resident_limit),
			  TAM_SYS_STATS_SIZE_VER1);
	ck_assert_uint_eq(offsetof(struct tam_sys_stats, shared_swap_bytes), 80);
	ck_assert_uint_eq(FIELD_END(struct tam_sys_stats, shared_swap_bytes),
			  TAM_SYS_STATS_SIZE_VER2);
	ck_assert_uint_eq(offsetof(struct tam_sys_stats, unpinned_bytes), 88);
	ck_assert_uint_eq(offsetof(struct tam_sys_stats, purged_bytes), 96);
	ck_assert_uint_eq(offsetof(struct tam_sys_stats, purges), 104);
	ck_assert_uint_eq(FIELD_END(struct tam_sys_stats, purges),
			  sizeof(struct tam_sys_stats));
}
END_TEST

START_TEST(pid_list_layout)
{
	ck_assert_uint_eq(sizeof(struct tam_pid_list), TAM_PID_LIST_SIZE_VER0);
	ck_assert_uint_eq(TAM_PID_LIST_SIZE_VER0, 24);
	ck_assert_uint_eq(offsetof(struct tam_pid_list, pids), 8);
	ck_assert_uint_eq(offsetof(struct tam_pid_list, capacity), 16);
	ck_assert_uint_eq(offsetof(struct tam_pid_list, count), 20);
	ck_assert_uint_eq(FIELD_END(struct tam_pid_list, count),
			  sizeof(struct tam_pid_list));
}
END_TEST

START_TEST(range_layout)
{
	ck_assert_uint_eq(sizeof(struct tam_range), TAM_RANGE_SIZE_VER0);
	ck_assert_uint_eq(TAM_RANGE_SIZE_VER0, 24);
	ck_assert_uint_eq(offsetof(struct tam_range, addr), 8);
	ck_assert_uint_eq(offsetof(struct tam_range, len), 16);
}
END_TEST

START_TEST(pin_layout)
{
	ck_assert_uint_eq(sizeof(struct tam_pin), TAM_PIN_SIZE_VER0);
	ck_assert_uint_eq(TAM_PIN_SIZE_VER0, 40);
	ck_assert_uint_eq(offsetof(struct tam_pin, addr), 8);
	ck_assert_uint_eq(offsetof(struct tam_pin, len), 16);
	ck_assert_uint_eq(offsetof(struct tam_pin, priority), 24);
	ck_assert_uint_eq(offsetof(struct tam_pin, flags), 28);
	ck_assert_uint_eq(offsetof(struct tam_pin, purged_bytes), 32);
	ck_assert_uint_eq(sizeof(struct tam_purge), TAM_PURGE_SIZE_VER0);
	ck_assert_uint_eq(TAM_PURGE_SIZE_VER0, 24);
	ck_assert_uint_eq(offsetof(struct tam_purge, flags), 8);
	ck_assert_uint_eq(offsetof(struct tam_purge, reserved), 12);
	ck_assert_uint_eq(offsetof(struct tam_purge, purged_bytes), 16);
}
END_TEST

START_TEST(limits_layout)
{
	ck_assert_uint_eq(sizeof(struct tam_limits), TAM_LIMITS_SIZE_VER0);
	ck_assert_uint_eq(TAM_LIMITS_SIZE_VER0, 32);
	ck_assert_uint_eq(offsetof(struct tam_limits, pid), 8);
	ck_assert_uint_eq(offsetof(struct tam_limits, flags), 12);
	ck_assert_uint_eq(offsetof(struct tam_limits, reserved_limit), 16);
	ck_assert_uint_eq(offsetof(struct tam_limits, resident_limit), 24);
}
END_TEST

/* _IOC(dir, 0xE7, nr, size) as the kernel encodes it on x86-64. */
START_TEST(ioctl_numbers)
{
	ck_assert_uint_eq(TAM_IOC_PROC_STATS, 0xC050E701u);
	ck_assert_uint_eq(TAM_IOC_SYS_STATS, 0xC040E702u);
	ck_assert_uint_eq(TAM_IOC_LIST_PIDS, 0xC018E703u);
	ck_assert_uint_eq(TAM_IOC_DISCARD, 0x4018E704u);
	ck_assert_uint_eq(TAM_IOC_SET_LIMITS, 0x4020E705u);
	ck_assert_uint_eq(TAM_IOC_UNPIN, 0x4028E706u);
	ck_assert_uint_eq(TAM_IOC_PIN, 0xC028E707u);
	ck_assert_uint_eq(TAM_IOC_PURGE, 0xC018E708u);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("abi-layout");
	TCase *tc = tcase_create("frozen");

	tcase_add_test(tc, proc_stats_layout);
	tcase_add_test(tc, sys_stats_layout);
	tcase_add_test(tc, pid_list_layout);
	tcase_add_test(tc, range_layout);
	tcase_add_test(tc, limits_layout);
	tcase_add_test(tc, pin_layout);
	tcase_add_test(tc, ioctl_numbers);
	suite_add_tcase(s, tc);
	return check_run((Suite *[]){ s, NULL });
}
