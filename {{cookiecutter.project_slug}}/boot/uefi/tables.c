// The initial page tables (the layout of boot/stage2/long_mode.asm).
//
// 4-level paging splits a virtual address into
//   63..48 sign extension | 47..39 PML4 | 38..30 PDPT | 29..21 PD |
//   20..12 PT | 11..0 offset
// Both mappings share the PDPT, PD and PT: only the indexes differ.

#include "uefi/tables.h"

#define PTE_PRESENT  0x001
#define PTE_WRITABLE 0x002
#define PTE_FLAGS    (PTE_PRESENT | PTE_WRITABLE)

enum { PML4, PDPT, PD, PT };

static unsigned
index_at(uint64_t virt, int level_shift)
{
  return (virt >> level_shift) & (TABLES_ENTRIES - 1);
}

void
tables_build(uint64_t (*tables)[TABLES_ENTRIES], uint64_t tables_phys,
             uint64_t kernel_virt_base)
{
  uint64_t pdpt = tables_phys + PDPT * TABLES_PAGE_SIZE;
  uint64_t pd = tables_phys + PD * TABLES_PAGE_SIZE;
  uint64_t pt = tables_phys + PT * TABLES_PAGE_SIZE;

  tables[PML4][0] = pdpt | PTE_FLAGS;
  tables[PML4][index_at(kernel_virt_base, 39)] = pdpt | PTE_FLAGS;
  tables[PDPT][0] = pd | PTE_FLAGS;
  tables[PDPT][index_at(kernel_virt_base, 30)] = pd | PTE_FLAGS;
  tables[PD][0] = pt | PTE_FLAGS;
  tables[PD][index_at(kernel_virt_base, 21)] = pt | PTE_FLAGS;
  for (uint64_t i = 0; i < TABLES_ENTRIES; i++)
    tables[PT][i] = (i * TABLES_PAGE_SIZE) | PTE_FLAGS;
}
