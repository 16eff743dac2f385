// The ACPI area: a window of virtual pages where firmware tables are mapped
// one after another while acpi.c parses them (area.c). Mappings form a
// stack: a table that is only checked is released once checked, so its
// pages go to the next table. Pure logic: the page mapping itself is a
// callback, so host tests run it on ordinary memory and the kernel (boot.c)
// on its page tables.
#ifndef ACPI_AREA_H
#define ACPI_AREA_H

#include <stdbool.h>
#include <stdint.h>

#define ACPI_AREA_PAGE_SIZE    4096ull
#define ACPI_AREA_MAX_MAPPINGS 32

struct acpi_area_mapping {
  uint64_t phys; // first physical page
  uint64_t pages;
  uint64_t slot; // first page index in the window
};

struct acpi_area {
  uint64_t base;  // virtual address of the window, page aligned
  uint64_t pages; // its size
  // Map `pages` physical pages at `phys` to virtual `virt`, read-only,
  // replacing what was there; false when it cannot.
  bool (*map)(void *context, uint64_t virt, uint64_t phys, uint64_t pages);
  void *context;
  struct acpi_area_mapping mappings[ACPI_AREA_MAX_MAPPINGS];
  int count;
  uint64_t next_slot; // pages in use now (the top of the stack)
  uint64_t peak;      // the most pages ever in use at once
};

// The window's address of [phys, phys + length): a range inside one already
// mapped is reused, a range that starts on the page the last mapping starts
// on grows that mapping in place (a table's header is mapped before its
// full length is known), and anything else is mapped in the next free
// pages. Returns 0 when the range is empty, wraps around, does not fit in
// what is left or cannot be mapped; the area is then unchanged. Whatever it
// returned before stays readable. This is an acpi_mapper's map function.
const void *acpi_area_map(void *area, uint64_t phys, uint64_t length);

// The area's state now, to come back to with acpi_area_release. These two
// are an acpi_mapper's mark and release functions.
unsigned acpi_area_mark(void *area);

// Forget every mapping made after `mark`: their window pages are handed out
// again. Pointers into them must not be used after this (the pages keep
// showing the old bytes until the next map replaces them). A mark taken
// before an earlier release to a lower mark is no longer valid.
void acpi_area_release(void *area, unsigned mark);

// Take `pages` pages off the top of the window for registers that an ACPI
// table describes (the HPET's), so tables can no longer use them. Returns
// their virtual address, or 0 when they are in use or the window would be
// left empty.
uint64_t acpi_area_take_top(struct acpi_area *a, uint64_t pages);

#endif
