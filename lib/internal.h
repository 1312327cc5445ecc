/* SPDX-License-Identifier: MIT */
/* What libtamalloc's own files share and the library does not export. */
#ifndef TAMALLOC_INTERNAL_H
#define TAMALLOC_INTERNAL_H

#define TAM_EXPORT	__attribute__((visibility("default")))

/* The device, opened once on first use: a descriptor or a negative errno. */
int tam_device_fd(void);

#endif /* TAMALLOC_INTERNAL_H */
