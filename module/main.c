// SPDX-License-Identifier: GPL-2.0
/*
 * tamalloc: lazily zeroed memory with exact accounting.
 *
 * /dev/tamalloc behaves like /dev/zero for mmap(): a mapping reserves address
 * space only, and each page is allocated and zeroed on first touch.  Unlike
 * /dev/zero, the module answers ioctls with per-process and system-wide
 * figures (include/linux/tamalloc.h).
 *
 * The device can be opened by anyone, like /dev/zero: its memory is charged to
 * the memory cgroup of the process that touches it, and bounded by the caps
 * in limits.c.
 */

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/tamalloc.h>

#include "compat.h"
#include "tamalloc.h"

static long tam_unlocked_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	return tam_ioctl(cmd, (void __user *)arg);
}

static const struct file_operations tam_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,	/* no llseek: -ESPIPE */
	.mmap		= tam_region_mmap,
	.get_unmapped_area = tam_thp_get_unmapped_area,
	.unlocked_ioctl	= tam_unlocked_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice tam_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "tamalloc",
	.fops	= &tam_fops,
	.mode	= 0666,
};

static int __init tam_init(void)
{
	int err;

	/* The ABI's first-version sizes are fixed forever. */
	BUILD_BUG_ON(sizeof(struct tam_proc_stats) != TAM_PROC_STATS_SIZE_VER2);
	BUILD_BUG_ON(sizeof(struct tam_sys_stats) != TAM_SYS_STATS_SIZE_VER2);
	BUILD_BUG_ON(sizeof(struct tam_pid_list) != TAM_PID_LIST_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct tam_range) != TAM_RANGE_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct tam_limits) != TAM_LIMITS_SIZE_VER0);

	err = tam_procs_init();
	if (err)
		return err;
	err = tam_region_init();
	if (err)
		goto err_procs;
	err = tam_object_init();
	if (err)
		goto err_region;
	err = misc_register(&tam_misc);
	if (err)
		goto err_object;
	return 0;

err_object:
	tam_object_exit();
err_region:
	tam_region_exit();
err_procs:
	tam_procs_exit();
	return err;
}

static void __exit tam_exit(void)
{
	misc_deregister(&tam_misc);
	tam_object_exit();
	tam_region_exit();
	tam_procs_exit();
}

module_init(tam_init);
module_exit(tam_exit);

MODULE_AUTHOR("The tamalloc developers");
MODULE_DESCRIPTION("Lazily zeroed memory device with exact accounting");
MODULE_LICENSE("GPL");
