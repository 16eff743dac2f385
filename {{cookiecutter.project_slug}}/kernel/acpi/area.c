// Placing ACPI tables in the ACPI area (see area.h). The window is handed
// out from the bottom as a stack: acpi.c takes a mark before it looks at a
// table and releases back to it when it keeps nothing, so a machine that
// lists many tables, or large ones, needs no more window than the largest
// table it keeps plus one being checked.

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
  if (a->next_slot > a->peak)
    a->peak = a->next_slot;
  return window_address(a, &a->mappings[index], phys);
}

unsigned
acpi_area_mark(void *area)
{
  return (unsigned)((struct acpi_area *)area)->count;
}

void
acpi_area_release(void *area, unsigned mark)
{
  struct acpi_area *a = area;

  if (mark >= (unsigned)a->count)
    return;
  a->count = (int)mark;
  a->next_slot =
      mark == 0 ? 0 : a->mappings[mark - 1].slot + a->mappings[mark - 1].pages;
}

uint64_t
acpi_area_take_top(struct acpi_area *a, uint64_t pages)
{
  if (pages == 0 || pages >= a->pages || a->pages - pages < a->next_slot)
    return 0;
  a->pages -= pages;
  return a->base + a->pages * ACPI_AREA_PAGE_SIZE;
}
