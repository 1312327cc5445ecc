/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels tamalloc supports (Debian's 6.1 and
 * 6.12) lives here, so the rest of the module reads as one kernel's code.
 */
#ifndef _TAM_COMPAT_H
#define _TAM_COMPAT_H

#include <linux/fs.h>
#include <linux/version.h>

/* no_llseek was removed in 6.12; a NULL llseek means the same there. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
#define TAM_NO_LLSEEK	no_llseek
#else
#define TAM_NO_LLSEEK	NULL
#endif

#endif /* _TAM_COMPAT_H */
