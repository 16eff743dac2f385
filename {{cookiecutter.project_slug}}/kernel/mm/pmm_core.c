// The physical memory manager's logic (see pmm_core.h).
//
// Free memory is a stack of ranges: init pushes one entry per usable range
// (O(regions)), alloc takes the last page of the top range, free extends the
// top range when the page touches it and pushes a one-page range otherwise.
// The stack grows by one area page at a time; on free, the page being freed
// becomes that storage. The bitmap has one bit per physical page, set while
// the page is handed out to a caller; its pages are backed (and zeroed) the
// first time a page they cover is allocated, so never-touched RAM costs
// nothing. The PMM's own pages (stack and bitmap storage) keep their bit
// clear: freeing one is refused as a double free, so the PMM can never be
// made to hand out its own bookkeeping.

#include "mm/pmm_core.h"

#define BITS_PER_BYTE 8

static uintptr_t
page_down(uintptr_t va)
{
  return va & ~(uintptr_t)(PMM_PAGE_SIZE - 1);
}

bool
pmm_core_bitmap_place(uintptr_t area_base, uint64_t area_size,
                      uint64_t limit_phys, uintptr_t *va, uint64_t *size)
{
  // Rounded up without overflow, whatever limit_phys is.
  uint64_t pages = (limit_phys >> PMM_PAGE_SHIFT) +
                   ((limit_phys & (PMM_PAGE_SIZE - 1)) != 0);
  uint64_t bytes = pages / BITS_PER_BYTE + (pages % BITS_PER_BYTE != 0);

  *size = (bytes + PMM_PAGE_SIZE - 1) & ~(PMM_PAGE_SIZE - 1);
  // The first page holds the state and the stack's bottom, the last is the
  // guard; the bitmap ends just below the guard.
  if (*size > area_size || area_size - *size < 2 * PMM_PAGE_SIZE) {
    *va = 0;
    return false;
  }
  *va = area_base + area_size - PMM_PAGE_SIZE - *size;
  return true;
}

static uint8_t *
bitmap_byte(const struct pmm *pmm, uint64_t phys)
{
  return &pmm->bitmap[(phys >> PMM_PAGE_SHIFT) / BITS_PER_BYTE];
}

static uint8_t
bitmap_mask(uint64_t phys)
{
  return (uint8_t)(1u << ((phys >> PMM_PAGE_SHIFT) % BITS_PER_BYTE));
}

bool
pmm_core_is_allocated(const struct pmm *pmm, uint64_t phys)
{
  uint8_t *byte = bitmap_byte(pmm, phys);

  if (phys >= pmm->limit_phys)
    return false;
  if (!pmm->ops.mapped(pmm->ops.ctx, page_down((uintptr_t)byte)))
    return false;
  return (*byte & bitmap_mask(phys)) != 0;
}

// Take the last page of the top range, without touching the bitmap.
static uint64_t
pop_page(struct pmm *pmm)
{
  if (pmm->depth == 0)
    return 0;
  struct pmm_range *top = &pmm->stack[pmm->depth - 1];
  uint64_t phys = top->base + (top->pages - 1) * PMM_PAGE_SIZE;
  if (--top->pages == 0)
    pmm->depth--;
  pmm->free_pages--;
  return phys;
}

static enum pmm_status push_page(struct pmm *pmm, uint64_t phys);

// Back the bitmap page holding phys's bit with a fresh zeroed page (the
// PMM's own from now on: its bit stays clear).
static bool
back_bitmap_page(struct pmm *pmm, uintptr_t va)
{
  uint64_t page = pop_page(pmm);

  if (page == 0)
    return false;
  if (!pmm->ops.map(pmm->ops.ctx, va, page))
    return false; // the page is lost, but the state stays consistent
  uint64_t *words = (uint64_t *)va;
  for (uint64_t i = 0; i < PMM_PAGE_SIZE / sizeof(uint64_t); i++)
    words[i] = 0;
  return true;
}

static bool
mark_allocated(struct pmm *pmm, uint64_t phys)
{
  uint8_t *byte = bitmap_byte(pmm, phys);
  uintptr_t page = page_down((uintptr_t)byte);

  if (!pmm->ops.mapped(pmm->ops.ctx, page) && !back_bitmap_page(pmm, page))
    return false;
  *byte |= bitmap_mask(phys);
  return true;
}

// Back one more stack page with phys (a page the caller owns).
static bool
grow_stack(struct pmm *pmm, uint64_t phys)
{
  uintptr_t va = pmm->stack_end;

  if (va + PMM_PAGE_SIZE > pmm->stack_limit)
    return false;
  if (!pmm->ops.map(pmm->ops.ctx, va, phys))
    return false;
  pmm->stack_end += PMM_PAGE_SIZE;
  pmm->capacity =
      (pmm->stack_end - (uintptr_t)pmm->stack) / sizeof(struct pmm_range);
  return true;
}

// Push a range; the stack grows with a page popped from itself if needed.
static bool
push_range(struct pmm *pmm, uint64_t base, uint64_t pages)
{
  if (pmm->depth == pmm->capacity) {
    uint64_t page = pop_page(pmm);
    if (page == 0 || !grow_stack(pmm, page))
      return false;
  }
  pmm->stack[pmm->depth++] = (struct pmm_range){base, pages};
  pmm->free_pages += pages;
  return true;
}

struct pmm *
pmm_core_init(uintptr_t area_base, uint64_t area_size,
              const struct pmm_ops *ops, const struct mem_range *regions,
              size_t count, enum pmm_status *status)
{
  struct pmm *pmm = (struct pmm *)area_base;
  uintptr_t bitmap_va;
  uint64_t bitmap_size;
  uint64_t limit = count ? regions[count - 1].end : PMM_PAGE_SIZE;

  if (!pmm_core_bitmap_place(area_base, area_size, limit, &bitmap_va,
                             &bitmap_size)) {
    *status = PMM_ERR_AREA;
    return NULL;
  }
  *pmm = (struct pmm){0};
  pmm->ops = *ops;
  pmm->stack = (struct pmm_range *)(area_base + sizeof(struct pmm));
  pmm->stack_end = area_base + PMM_PAGE_SIZE;
  pmm->capacity =
      (PMM_PAGE_SIZE - sizeof(struct pmm)) / sizeof(struct pmm_range);
  pmm->stack_limit = bitmap_va;
  pmm->bitmap = (uint8_t *)bitmap_va;
  pmm->regions = regions;
  pmm->region_count = count;
  pmm->limit_phys = limit;
  for (size_t i = 0; i < count; i++) {
    uint64_t pages = (regions[i].end - regions[i].base) >> PMM_PAGE_SHIFT;
    if (regions[i].base == 0 || !push_range(pmm, regions[i].base, pages)) {
      *status = regions[i].base == 0 ? PMM_ERR_NOT_RAM : PMM_ERR_NO_MEMORY;
      return NULL;
    }
    pmm->total_pages += pages;
  }
  *status = PMM_OK;
  return pmm;
}

uint64_t
pmm_core_alloc(struct pmm *pmm)
{
  uint64_t phys = pop_page(pmm);

  if (phys == 0)
    return 0;
  if (!mark_allocated(pmm, phys)) {
    // No page left for the bitmap: give this one back.
    push_page(pmm, phys);
    return 0;
  }
  return phys;
}

// Whether phys lies in one of the usable ranges (binary search).
static bool
is_ram(const struct pmm *pmm, uint64_t phys)
{
  size_t low = 0, high = pmm->region_count;

  while (low < high) {
    size_t mid = low + (high - low) / 2;
    if (phys < pmm->regions[mid].base)
      high = mid;
    else if (phys >= pmm->regions[mid].end)
      low = mid + 1;
    else
      return true;
  }
  return false;
}

// Put phys (already marked free) on the stack.
static enum pmm_status
push_page(struct pmm *pmm, uint64_t phys)
{
  struct pmm_range *top = pmm->depth ? &pmm->stack[pmm->depth - 1] : NULL;

  if (top && top->base + top->pages * PMM_PAGE_SIZE == phys) {
    top->pages++;
  } else if (top && phys + PMM_PAGE_SIZE == top->base) {
    top->base = phys;
    top->pages++;
  } else if (pmm->depth < pmm->capacity) {
    pmm->stack[pmm->depth++] = (struct pmm_range){phys, 1};
  } else {
    // Full: the page itself becomes the next stack page, the PMM's for good
    // (its bit stays clear: a second free of it is a double free).
    return grow_stack(pmm, phys) ? PMM_OK : PMM_ERR_NO_MEMORY;
  }
  pmm->free_pages++;
  return PMM_OK;
}

enum pmm_status
pmm_core_free(struct pmm *pmm, uint64_t phys)
{
  if (phys & (PMM_PAGE_SIZE - 1))
    return PMM_ERR_ALIGN;
  if (!is_ram(pmm, phys))
    return PMM_ERR_NOT_RAM;
  if (!pmm_core_is_allocated(pmm, phys))
    return PMM_ERR_DOUBLE_FREE;
  *bitmap_byte(pmm, phys) &= (uint8_t)~bitmap_mask(phys);
  return push_page(pmm, phys);
}

const char *
pmm_status_name(enum pmm_status status)
{
  switch (status) {
  case PMM_OK:
    return "ok";
  case PMM_ERR_ALIGN:
    return "unaligned address";
  case PMM_ERR_NOT_RAM:
    return "not usable RAM";
  case PMM_ERR_DOUBLE_FREE:
    return "double free";
  case PMM_ERR_NO_MEMORY:
    return "no memory for the PMM's own storage";
  case PMM_ERR_AREA:
    return "PMM area too small";
  }
  return "unknown";
}
