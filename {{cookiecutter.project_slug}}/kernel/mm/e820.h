// E820 sanitising: turns the BIOS memory map into sorted, disjoint,
// page-aligned ranges of usable RAM. Pure C with no kernel dependencies, so
// the host tests build it as it is.
#ifndef E820_H
#define E820_H

#include <stddef.h>
#include <stdint.h>

#include "bootinfo.h"

// The PMM's unit: usable ranges are aligned to it.
#define E820_PAGE_SIZE 4096ULL

// A range of physical memory, [base, end).
struct mem_range {
  uint64_t base;
  uint64_t end;
};

// What the sanitiser had to leave out for lack of room in its output.
struct e820_lost {
  size_t ranges;  // usable ranges (or pieces of them) dropped
  uint64_t bytes; // their size
};

// Build the usable RAM of `in` into `out` (room for `max_out` ranges) and
// return how many ranges it wrote. Usable entries are merged (overlapping or
// adjacent), then every other entry is cut out of them (any non-usable type
// is more restrictive than usable, so it wins an overlap), then every range
// in `exclude` (an empty or inverted one excludes nothing), then each range
// is page-aligned inward; zero-length entries and pieces smaller than a page
// vanish. The ACPI 3.0 extended attributes are ignored, as Linux does: some
// BIOSes leave bit 0 ("valid") clear on every entry. The result is sorted by
// base. When `out` is full, further pieces are dropped and counted in `lost`
// (may be NULL).
size_t e820_sanitise(const struct e820_entry *in, size_t count,
                     const struct mem_range *exclude, size_t exclude_count,
                     struct mem_range *out, size_t max_out,
                     struct e820_lost *lost);

// Total bytes in `count` ranges.
uint64_t mem_ranges_bytes(const struct mem_range *ranges, size_t count);

#endif
