// Turning the UEFI memory map into the kernel's E820-form entries.
// Pure code: no firmware calls, so tests/host/uefi/ tests it on the host.

#ifndef UEFI_MEMMAP_H
#define UEFI_MEMMAP_H

#include <stddef.h>
#include <stdint.h>

#include "bootinfo.h"

// The E820 type a UEFI memory type becomes once boot services have exited,
// as Linux's EFI stub decides it (arch/x86/boot/compressed/efi setup_e820):
// loader and boot-services memory are free then, so they count as usable.
uint32_t memmap_e820_type(uint32_t efi_type);

// Convert the map (map_size bytes, one descriptor every descriptor_size
// bytes) into at most max entries at out, in the firmware's order, joining
// neighbours of the same E820 type that touch. Returns the number written;
// *lost gets the number of entries that did not fit. Descriptors of zero
// pages are skipped.
size_t memmap_to_e820(const void *map, uint64_t map_size,
                      uint64_t descriptor_size, struct e820_entry *out,
                      size_t max, uint32_t *lost);

#endif
