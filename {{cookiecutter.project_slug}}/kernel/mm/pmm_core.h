// The physical memory manager's logic: a stack of free page ranges for O(1)
// page alloc and O(log regions) free, and an allocation bitmap, mapped page
// by page on demand, that catches double frees. It never touches page tables
// itself: backing its own storage is a callback, so the host tests run it in
// ordinary memory and the kernel (pmm.c) in the PMM area.
#ifndef PMM_CORE_H
#define PMM_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/e820.h"

#define PMM_PAGE_SIZE  4096ULL
#define PMM_PAGE_SHIFT 12

// A run of free pages: [base, base + pages * PMM_PAGE_SIZE).
struct pmm_range {
  uint64_t base;
  uint64_t pages;
};

enum pmm_status {
  PMM_OK = 0,
  PMM_ERR_ALIGN,       // the address is not page aligned
  PMM_ERR_NOT_RAM,     // the page was never usable RAM managed here
  PMM_ERR_DOUBLE_FREE, // the page is not handed out: free, or the PMM's own
  PMM_ERR_NO_MEMORY,   // the PMM could not grow its own storage
  PMM_ERR_AREA,        // the area is too small for the bitmap and a stack page
};

struct pmm_ops {
  void *ctx;
  // Back the area page at va with physical page phys; false on failure.
  bool (*map)(void *ctx, uintptr_t va, uint64_t phys);
  // Whether the area page at va is backed.
  bool (*mapped)(void *ctx, uintptr_t va);
};

// The PMM's state: the first bytes of its area, followed by the bottom of
// the free-range stack. The bitmap sits at the top of the area, below the
// guard page.
struct pmm {
  struct pmm_ops ops;
  struct pmm_range *stack;         // stack[0] is the bottom
  uint64_t depth;                  // entries in use
  uint64_t capacity;               // entries that fit in the backed pages
  uintptr_t stack_end;             // end of the backed stack pages
  uintptr_t stack_limit;           // the stack may not grow past this
  uint8_t *bitmap;                 // bit n set: page n is handed out
  const struct mem_range *regions; // the usable RAM, sorted (not copied)
  size_t region_count;
  uint64_t limit_phys;  // end of the highest usable range
  uint64_t total_pages; // pages handed to the PMM at init
  uint64_t free_pages;  // pages in the stack now
};

// Where the bitmap for RAM below limit_phys goes in an area of area_size
// bytes at area_base (whose last page is a guard): *va and *size. Callers
// use it to prepare the page tables for the bitmap before pmm_core_init.
// False (and *va 0) when the bitmap, the first page and the guard do not fit
// in the area: nothing may then be placed outside it.
bool pmm_core_bitmap_place(uintptr_t area_base, uint64_t area_size,
                           uint64_t limit_phys, uintptr_t *va, uint64_t *size);

// Build a PMM in the area at area_base, whose first page must be backed
// already, from `count` sorted, disjoint, page-aligned usable ranges that
// must outlive it and must not contain page 0. Cost grows with the number
// of ranges, not their size. Returns the PMM (at area_base) or NULL with
// *status set.
struct pmm *pmm_core_init(uintptr_t area_base, uint64_t area_size,
                          const struct pmm_ops *ops,
                          const struct mem_range *regions, size_t count,
                          enum pmm_status *status);

// Take one free page, O(1). Returns its physical address, or 0 when none is
// left (page 0 is never managed).
uint64_t pmm_core_alloc(struct pmm *pmm);

// Return a page, in O(log regions) (a binary search of the usable ranges;
// the rest is constant time). A double free (a page not handed out, the
// PMM's own storage included), an unaligned address or one outside the
// usable RAM is refused with an error and changes nothing.
enum pmm_status pmm_core_free(struct pmm *pmm, uint64_t phys);

// Whether the page at phys is handed out to a caller now (the PMM's own
// storage pages are not).
bool pmm_core_is_allocated(const struct pmm *pmm, uint64_t phys);

// A short name for a status, for messages.
const char *pmm_status_name(enum pmm_status status);

#endif
