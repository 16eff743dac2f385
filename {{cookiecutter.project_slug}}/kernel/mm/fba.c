// The FBA's kernel glue (see fba.h): blocks are backed by PMM pages mapped
// with paging_map, and unmapped and freed with them.

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/spinlock.h"
#include "layout.h"
#include "lib/kprintf.h"
#include "mm/fba.h"
#include "mm/paging.h"
#include "mm/pmm.h"

#define KIB 1024

static struct fba fba;
static bool no_backing; // block_back found the PMM empty
static bool exhausted;  // reported; cleared by the next free
static struct spinlock fba_lock;

static bool
block_back(void *ctx, uintptr_t va)
{
  (void)ctx;
  uint64_t phys = pmm_alloc_page();

  if (phys == 0) {
    no_backing = true;
    return false;
  }
  if (paging_map(va, phys, PTE_WRITABLE) != 0) {
    pmm_free_page(phys);
    return false;
  }
  return true;
}

static void
block_release(void *ctx, uintptr_t va)
{
  (void)ctx;
  pmm_free_page(paging_unmap(va));
}

static const char *
fba_status_name(enum fba_status status)
{
  switch (status) {
  case FBA_OK:
    return "ok";
  case FBA_ERR_RANGE:
    return "outside the FBA area";
  case FBA_ERR_ALIGN:
    return "not a block address";
  case FBA_ERR_NOT_ALLOCATED:
    return "block not allocated";
  case FBA_ERR_NO_MEMORY:
    return "out of memory";
  }
  return "unknown";
}

void
fba_init(void)
{
  static const struct fba_ops ops = {NULL, block_back, block_release};
  enum fba_status status =
      fba_core_init(&fba, LAYOUT_FBA_BASE, LAYOUT_FBA_SIZE, &ops);

  if (status != FBA_OK)
    panic("fba_init: %s", fba_status_name(status));
  if (fba.meta_blocks != LAYOUT_FBA_BITMAP_BLOCKS)
    panic("fba_init: bitmap needs %lu blocks, layout.cfg says %lu",
          (uint64_t)fba.meta_blocks, (uint64_t)LAYOUT_FBA_BITMAP_BLOCKS);
  kprintf(
      "[fba] %lu blocks of %lu KiB at %p, bitmap in the first %lu, %lu free\n",
      (uint64_t)fba.blocks, (uint64_t)(FBA_BLOCK_SIZE / KIB), (void *)fba.base,
      (uint64_t)fba.meta_blocks, (uint64_t)(fba.blocks - fba.meta_blocks));
}

void *
fba_alloc_block(void)
{
  return fba_alloc_blocks(1);
}

void *
fba_alloc_blocks(size_t count)
{
  spin_lock(&fba_lock);
  no_backing = false;
  void *block = fba_core_alloc(&fba, count);

  if (block == NULL && !exhausted) {
    exhausted = true;
    kprintf("[fba] out of %s: %lu blocks requested, %lu of %lu in use\n",
            no_backing ? "memory (no PMM page to back a block)" : "blocks",
            (uint64_t)count, (uint64_t)fba.used,
            (uint64_t)(fba.blocks - fba.meta_blocks));
  }
  spin_unlock(&fba_lock);
  return block;
}

void
fba_free_block(void *block)
{
  fba_free_blocks(block, 1);
}

void
fba_free_blocks(void *block, size_t count)
{
  spin_lock(&fba_lock);
  enum fba_status status = fba_core_free(&fba, block, count);
  if (status == FBA_OK)
    exhausted = false;
  spin_unlock(&fba_lock);
  if (status != FBA_OK)
    panic("fba_free: %s at %p (%lu blocks)", fba_status_name(status), block,
          (uint64_t)count);
}

size_t
fba_used_blocks(void)
{
  return fba.used;
}
