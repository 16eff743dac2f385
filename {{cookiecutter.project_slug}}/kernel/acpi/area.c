// Placing ACPI tables in the ACPI area (see area.h). The window is
// handed out from the bottom and never given back during a parse: tables
// are few and small, and the area's size is a layout parameter.

#include <stddef.h>
#include <stdint.h>

#include "acpi/area.h"

#define PAGE_MASK (ACPI_AREA_PAGE_SIZE - 1)

static const void *
window_address(const struct acpi_area *a, const struct acpi_area_mapping *m,
               uint64_t phys)
{
  return (const void *)(uintptr_t)(a->base + m->slot * ACPI_AREA_PAGE_SIZE +
                                   (phys - m->phys));
}

// The mapping that already covers pages [first, first + pages), or NULL.
static const struct acpi_area_mapping *
covering(const struct acpi_area *a, uint64_t first, uint64_t pages)
{
  for (int i = 0; i < a->count; i++) {
    const struct acpi_area_mapping *m = &a->mappings[i];
    if (m->phys <= first &&
        (first - m->phys) / ACPI_AREA_PAGE_SIZE + pages <= m->pages)
      return m;
  }
  return NULL;
}

const void *
acpi_area_map(void *area, uint64_t phys, uint64_t length)
{
  struct acpi_area *a = area;

  if (length == 0 || phys > UINT64_MAX - ACPI_AREA_PAGE_SIZE ||
      length > UINT64_MAX - ACPI_AREA_PAGE_SIZE - phys)
    return 0; // empty, or wraps around the address space
  uint64_t first = phys & ~PAGE_MASK;
  uint64_t pages = (phys + length - first + PAGE_MASK) / ACPI_AREA_PAGE_SIZE;
  const struct acpi_area_mapping *m = covering(a, first, pages);
  if (m)
    return window_address(a, m, phys);

  // A new mapping, or the last one grown in place.
  int index = a->count;
  uint64_t slot = a->next_slot;
  if (index > 0 && a->mappings[index - 1].phys == first) {
    index--;
    slot = a->mappings[index].slot;
  }
  if (index == ACPI_AREA_MAX_MAPPINGS || pages > a->pages - slot)
    return 0;
  if (!a->map(a->context, a->base + slot * ACPI_AREA_PAGE_SIZE, first, pages))
    return 0;
  a->mappings[index] = (struct acpi_area_mapping){first, pages, slot};
  a->count = index + 1;
  a->next_slot = slot + pages;
  return window_address(a, &a->mappings[index], phys);
}
