// The firmware's memory map, read for ExitBootServices and for messages.

#ifndef UEFI_MEMORY_H
#define UEFI_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

#include "uefi/efi.h"

struct memory_map {
  struct efi_memory_descriptor *buffer; // pool memory, grown as needed
  uint64_t capacity;                    // bytes in buffer
  uint64_t size;                        // bytes the firmware filled in
  uint64_t key;                         // identifies this version of the map
  uint64_t descriptor_size;             // stride between descriptors
};

// Read the current map into map->buffer. If the buffer is too small and
// may_allocate is true, allocate a bigger one (with room to spare) and try
// again; otherwise return EFI_BUFFER_TOO_SMALL. Returns the firmware's
// status.
efi_status memory_map_read(struct efi_boot_services *bs, struct memory_map *map,
                           bool may_allocate);

// For a message: what the firmware keeps in [base, base + pages * 4 KiB),
// e.g. "boot-services data"; "not in the memory map" when no
// descriptor covers it.
const char *memory_owner(struct efi_boot_services *bs, uint64_t base,
                         uint64_t pages);

#endif
