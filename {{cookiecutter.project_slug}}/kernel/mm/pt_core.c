// The page-table mapper's logic (see pt_core.h). Every table access goes
// through ops.table, so this file never assumes where tables are mapped.

#include <stddef.h>

#include "mm/pt_core.h"

#define PT_INTERMEDIATE_FLAGS (PTE_PRESENT | PTE_WRITABLE)
#define VA_BITS_MASK          0x0000FFFFFFFFFFFFULL // the 48 translated bits
#define VA_SIGN_BIT           (1ULL << 47)          // copied into bits 63..48
#define VA_SIGN_EXTENSION     0xFFFF000000000000ULL
#define PML4_SLOT_SHIFT       39 // a PML4 entry maps 512 GiB

static uint64_t *
table_at(struct pt *pt, uint64_t phys, uint64_t va, int level)
{
  return pt->ops.table(pt->ops.ctx, phys, va, level);
}

// Link a new table below *entry, the entry for va at the level above. It
// is zeroed first: once linked, the CPU may walk it (speculatively too).
static enum pt_status
link_new_table(struct pt *pt, uint64_t *entry)
{
  uint64_t phys = pt->ops.alloc_table(pt->ops.ctx);

  if (phys == 0)
    return PT_ERR_NO_MEMORY;
  pt->ops.zero_table(pt->ops.ctx, phys);
  *entry = (phys & PTE_ADDR_MASK) | PT_INTERMEDIATE_FLAGS;
  return PT_OK;
}

// Find the PT entry for va. With `create`, missing tables are allocated.
static enum pt_status
walk(struct pt *pt, uint64_t va, bool create, uint64_t **pte)
{
  uint64_t *table = table_at(pt, pt->root, va, PT_LEVELS);

  for (int level = PT_LEVELS; level > 1; level--) {
    uint64_t *entry = &table[pt_index(va, level)];
    if (!(*entry & PTE_PRESENT)) {
      if (!create)
        return PT_ERR_NOT_MAPPED;
      enum pt_status status = link_new_table(pt, entry);
      if (status != PT_OK)
        return status;
    } else if (*entry & PTE_LARGE) {
      return PT_ERR_LARGE;
    }
    table = table_at(pt, *entry & PTE_ADDR_MASK, va, level - 1);
  }
  *pte = &table[pt_index(va, 1)];
  return PT_OK;
}

enum pt_status
pt_map(struct pt *pt, uint64_t va, uint64_t phys, uint64_t flags)
{
  uint64_t *pte;

  if ((va | phys) & (PT_PAGE_SIZE - 1))
    return PT_ERR_ALIGN;
  enum pt_status status = walk(pt, va, true, &pte);
  if (status != PT_OK)
    return status;
  if (*pte & PTE_PRESENT)
    return PT_ERR_MAPPED;
  *pte = (phys & PTE_ADDR_MASK) | flags | PTE_PRESENT;
  // Not-present entries are never cached, but a paging-structure cache may
  // hold the tables just linked: INVLPG flushes those too (SDM 4.10.4.1).
  pt->ops.invalidate(pt->ops.ctx, va);
  return PT_OK;
}

enum pt_status
pt_unmap(struct pt *pt, uint64_t va, uint64_t *phys)
{
  uint64_t *pte;

  if (va & (PT_PAGE_SIZE - 1))
    return PT_ERR_ALIGN;
  enum pt_status status = walk(pt, va, false, &pte);
  if (status != PT_OK)
    return status;
  if (!(*pte & PTE_PRESENT))
    return PT_ERR_NOT_MAPPED;
  if (phys)
    *phys = *pte & PTE_ADDR_MASK;
  *pte = 0;
  pt->ops.invalidate(pt->ops.ctx, va);
  return PT_OK;
}

enum pt_status
pt_translate(struct pt *pt, uint64_t va, uint64_t *phys)
{
  uint64_t *table = table_at(pt, pt->root, va, PT_LEVELS);

  for (int level = PT_LEVELS; level >= 1; level--) {
    uint64_t entry = table[pt_index(va, level)];
    if (!(entry & PTE_PRESENT))
      return PT_ERR_NOT_MAPPED;
    uint64_t span = PT_PAGE_SIZE << (PT_INDEX_BITS * (level - 1));
    if (level == 1 || (entry & PTE_LARGE)) {
      if (phys)
        *phys = (entry & PTE_ADDR_MASK & ~(span - 1)) | (va & (span - 1));
      return PT_OK;
    }
    table = table_at(pt, entry & PTE_ADDR_MASK, va, level - 1);
  }
  return PT_ERR_NOT_MAPPED; // not reached: level 1 always returns
}

enum pt_status
pt_prepare(struct pt *pt, uint64_t va)
{
  uint64_t *pte;

  return walk(pt, va, true, &pte);
}

uint64_t
pt_recursive_table_va(unsigned slot, uint64_t va, int level)
{
  uint64_t table =
      ((va & VA_BITS_MASK) >> (PT_INDEX_BITS * level)) & ~(PT_PAGE_SIZE - 1);

  for (int i = 0; i < level; i++)
    table |= (uint64_t)slot << (PML4_SLOT_SHIFT - PT_INDEX_BITS * i);
  return (table & VA_SIGN_BIT) ? (table | VA_SIGN_EXTENSION) : table;
}
