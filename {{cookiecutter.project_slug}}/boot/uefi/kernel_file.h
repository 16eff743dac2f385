// KERNEL.BIN: read from the loader's own partition into the kernel load
// area, and checked.

#ifndef UEFI_KERNEL_FILE_H
#define UEFI_KERNEL_FILE_H

#include <stdbool.h>
#include <stdint.h>

#include "uefi/efi.h"

// Read KERNEL.BIN from the root of the FAT partition the loader was started
// from into [LAYOUT_KERNEL_LOAD_ADDR, LAYOUT_KERNEL_AREA_END) (already
// claimed) and check its trailer. On success stores its size in *size and
// returns true; otherwise says why (missing, too big, unreadable, corrupt)
// and returns false.
bool kernel_file_load(struct efi_boot_services *bs, efi_handle image,
                      uint64_t *size);

// The checksum the trailer carries (include/bootinfo.h): a starts at 1; for
// each byte a += byte, sum += a, both modulo 2^32; the result is sum.
uint32_t kernel_file_checksum(const uint8_t *bytes, uint64_t length);

#endif
