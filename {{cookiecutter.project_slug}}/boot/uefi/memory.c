// The firmware's memory map.

#include "uefi/memory.h"

// Allocating the buffer adds a descriptor or two to the map it will hold:
// leave room for a few more than asked.
#define SPARE_DESCRIPTORS 8

efi_status
memory_map_read(struct efi_boot_services *bs, struct memory_map *map,
                bool may_allocate)
{
  for (;;) {
    uint32_t version;
    map->size = map->capacity;
    efi_status status = bs->get_memory_map(&map->size, map->buffer, &map->key,
                                           &map->descriptor_size, &version);
    if (status != EFI_BUFFER_TOO_SMALL || !may_allocate)
      return status;
    if (map->buffer)
      bs->free_pool(map->buffer);
    map->capacity = map->size + SPARE_DESCRIPTORS * map->descriptor_size;
    status = bs->allocate_pool(EFI_LOADER_DATA, map->capacity,
                               (void **)&map->buffer);
    if (EFI_IS_ERROR(status)) {
      map->buffer = NULL;
      map->capacity = 0;
      return status;
    }
  }
}

static const char *
memory_type_name(uint32_t type)
{
  static const char *const names[] = {
      "reserved memory",
      "loader code",
      "loader data",
      "boot-services code",
      "boot-services data",
      "runtime-services code",
      "runtime-services data",
      "free memory",
      "unusable memory",
      "ACPI tables",
      "ACPI NVS",
      "memory-mapped I/O",
      "memory-mapped I/O ports",
      "PAL code",
      "persistent memory",
  };
  return type < sizeof(names) / sizeof(names[0]) ? names[type]
                                                 : "memory of an unknown type";
}

const char *
memory_owner(struct efi_boot_services *bs, uint64_t base, uint64_t pages)
{
  struct memory_map map = {0};
  const char *owner = "not in the memory map";
  uint64_t end = base + pages * EFI_PAGE_SIZE;

  if (EFI_IS_ERROR(memory_map_read(bs, &map, true)))
    return "memory map unreadable";
  for (uint64_t offset = 0; offset + map.descriptor_size <= map.size;
       offset += map.descriptor_size) {
    const struct efi_memory_descriptor *d =
        (const void *)((const uint8_t *)map.buffer + offset);
    uint64_t d_end = d->physical_start + d->number_of_pages * EFI_PAGE_SIZE;
    if (d->physical_start < end && base < d_end &&
        d->type != EFI_CONVENTIONAL_MEMORY) {
      owner = memory_type_name(d->type);
      break;
    }
  }
  bs->free_pool(map.buffer);
  return owner;
}
