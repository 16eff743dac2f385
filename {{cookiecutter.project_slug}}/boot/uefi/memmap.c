// Turning the UEFI memory map into the kernel's E820-form entries.

#include "uefi/memmap.h"
#include "uefi/efi.h"

// ACPI 3.0 extended attributes, bit 0: the entry is valid. The kernel
// ignores the field as Linux does; it is set so the entries read like a
// BIOS's.
#define E820_ATTRIBUTE_VALID 1

uint32_t
memmap_e820_type(uint32_t efi_type)
{
  switch (efi_type) {
  case EFI_LOADER_CODE:
  case EFI_LOADER_DATA:
  case EFI_BOOT_SERVICES_CODE:
  case EFI_BOOT_SERVICES_DATA:
  case EFI_CONVENTIONAL_MEMORY:
    return E820_TYPE_USABLE;
  case EFI_ACPI_RECLAIM_MEMORY:
    return E820_TYPE_ACPI_RECLAIM;
  case EFI_ACPI_MEMORY_NVS:
    return E820_TYPE_ACPI_NVS;
  case EFI_UNUSABLE_MEMORY:
    return E820_TYPE_BAD;
  default:
    // Runtime services, MMIO, PAL code, reserved, and types this loader
    // does not know (persistent memory, memory not yet accepted): the
    // kernel must leave them alone.
    return E820_TYPE_RESERVED;
  }
}

size_t
memmap_to_e820(const void *map, uint64_t map_size, uint64_t descriptor_size,
               struct e820_entry *out, size_t max, uint32_t *lost)
{
  size_t count = 0;

  *lost = 0;
  if (descriptor_size < sizeof(struct efi_memory_descriptor))
    return 0;
  for (uint64_t offset = 0; offset + descriptor_size <= map_size;
       offset += descriptor_size) {
    const struct efi_memory_descriptor *d =
        (const void *)((const uint8_t *)map + offset);
    uint64_t length = d->number_of_pages * EFI_PAGE_SIZE;
    uint32_t type = memmap_e820_type(d->type);

    if (d->number_of_pages == 0)
      continue;
    struct e820_entry *last = count ? &out[count - 1] : NULL;
    if (last && last->type == type &&
        last->base + last->length == d->physical_start) {
      last->length += length;
    } else if (count < max) {
      out[count++] = (struct e820_entry){d->physical_start, length, type,
                                         E820_ATTRIBUTE_VALID};
    } else {
      (*lost)++;
    }
  }
  return count;
}
