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
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/tamalloc.h>

#include "compat.h"
#include "tamalloc.h"

static long tam_unlocked_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	return tam_ioctl(cmd, (void __user *)arg);
}

/* "tama": the pseudo filesystem that holds each open file's address_space. */
#define TAM_FS_MAGIC	0x74616d61

static int tam_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, TAM_FS_MAGIC) ? 0 : -ENOMEM;
}

/*
 * No .owner: the mount lives as long as the module, and a superblock holds a
 * reference on its type's owner, which would pin the module for ever.
 */
static struct file_system_type tam_fs_type = {
	.name		 = "tamalloc",
	.init_fs_context = tam_fs_init_fs_context,
	.kill_sb	 = kill_anon_super,
};

static struct vfsmount *tam_fs_mnt;

/*
 * Every VMA of a file is linked into its f_mapping's i_mmap tree under
 * i_mmap_rwsem, taken for write by each mmap, munmap, split, mremap and fork
 * of a private mapping (shared ones get a shmem file of their own).  Left as
 * the device inode's, that is one lock for every tamalloc process in the
 * system; an anonymous inode per open file makes it one lock per open, shared
 * only by the processes that share the file, as for any file they map.
 * Private faults never use the page cache, so the inode holds no pages.
 * misc_open() calls us under misc_mtx: the inode is a small memcg-charged
 * allocation, as /dev/net/tun's ->open makes there.
 */
static int tam_open(struct inode *inode, struct file *file)
{
	struct inode *mapping_inode;
	int err;

	err = nonseekable_open(inode, file);	/* no llseek: -ESPIPE */
	if (err)
		return err;
	mapping_inode = alloc_anon_inode(tam_fs_mnt->mnt_sb);
	if (IS_ERR(mapping_inode))
		return PTR_ERR(mapping_inode);
	file->f_mapping = mapping_inode->i_mapping;
	return 0;
}

/* The last reference: no VMA holds the file, so none is in the i_mmap tree. */
static int tam_release(struct inode *inode, struct file *file)
{
	iput(file->f_mapping->host);
	return 0;
}

static const struct file_operations tam_fops = {
	.owner		= THIS_MODULE,
	.open		= tam_open,
	.release	= tam_release,
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
	BUILD_BUG_ON(sizeof(struct tam_proc_stats) != TAM_PROC_STATS_SIZE_VER3);
	BUILD_BUG_ON(sizeof(struct tam_sys_stats) != TAM_SYS_STATS_SIZE_VER3);
	BUILD_BUG_ON(sizeof(struct tam_pin) != TAM_PIN_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct tam_version) != TAM_VERSION_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct tam_purge) != TAM_PURGE_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct tam_pid_list) != TAM_PID_LIST_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct tam_range) != TAM_RANGE_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct tam_limits) != TAM_LIMITS_SIZE_VER0);

	tam_fs_mnt = kern_mount(&tam_fs_type);
	if (IS_ERR(tam_fs_mnt))
		return PTR_ERR(tam_fs_mnt);
	err = tam_procs_init();
	if (err)
		goto err_mnt;
	err = tam_region_init();
	if (err)
		goto err_procs;
	err = tam_object_init();
	if (err)
		goto err_region;
	err = tam_pins_init();
	if (err)
		goto err_object;
	err = misc_register(&tam_misc);
	if (err)
		goto err_pins;
	return 0;

err_pins:
	tam_pins_exit();
err_object:
	tam_object_exit();
err_region:
	tam_region_exit();
err_procs:
	tam_procs_exit();
err_mnt:
	kern_unmount(tam_fs_mnt);
	return err;
}

static void __exit tam_exit(void)
{
	misc_deregister(&tam_misc);
	tam_pins_exit();
	tam_object_exit();
	tam_region_exit();
	tam_procs_exit();
	kern_unmount(tam_fs_mnt);
}

module_init(tam_init);
module_exit(tam_exit);

MODULE_AUTHOR("The tamalloc developers");
MODULE_DESCRIPTION("Lazily zeroed memory device with exact accounting");
MODULE_LICENSE("GPL");
MODULE_VERSION(TAM_MODULE_VERSION);
