// mmio_map: puts device registers and firmware tables into the kernel's
// address space.
//
// Interim implementation until the kernel's page-table mapper (paging.h)
// exists: it walks the live tables from CR3 and fills in 4 KiB entries.
// Table pages are reached through the kernel window, so only tables below
// BOOT_WINDOW_END are usable (the stage2 tables, and the pool below, are);
// missing tables come from a small pool in the BSS. Once paging_map exists
// this file should shrink to a call to it.
// Intel SDM vol. 3A, 4.5 "4-Level Paging" (table 4-19: PTE bits).

#include <stdbool.h>
#include <stdint.h>

#include "cpu_regs.h"
#include "kprintf.h"
#include "layout.h"
#include "mmio.h"

#define PAGE_SIZE        4096ull
#define PT_ENTRIES       512
#define PTE_PRESENT      (1ull << 0)
#define PTE_WRITABLE     (1ull << 1)
#define PTE_PWT          (1ull << 3)  // write-through
#define PTE_PCD          (1ull << 4)  // cache disable
#define PTE_HUGE         (1ull << 7)  // PS: 2 MiB/1 GiB page, no lower table
#define PTE_NX           (1ull << 63)
#define PTE_ADDR_MASK    0x000FFFFFFFFFF000ull
#define PTE_TABLE_FLAGS  (PTE_PRESENT | PTE_WRITABLE) // leaf decides the rest

// 63..48 sign extension | 47..39 PML4 | 38..30 PDPT | 29..21 PD | 20..12 PT
#define PT_INDEX(virt, level) (((virt) >> (12 + 9 * (level))) & (PT_ENTRIES - 1))
#define PT_LEVEL_PML4 3
#define PT_LEVEL_PT   0

// Stage2 maps physical [0, 2 MiB) at LAYOUT_KERNEL_VIRT_BASE.
#define BOOT_WINDOW_END  0x200000ull
// Default layout: LAPIC page needs a PDPT, PD and PT; the ACPI area a PT.
// Two spare pages cover layouts that put either in other places.
#define TABLE_POOL_PAGES 6

static uint64_t table_pool[TABLE_POOL_PAGES][PT_ENTRIES]
    __attribute__((aligned(PAGE_SIZE)));
static int table_pool_used;

static uint64_t *
table_at(uint64_t phys)
{
  if (phys + PAGE_SIZE > BOOT_WINDOW_END)
    return 0;
  return (uint64_t *)(LAYOUT_KERNEL_VIRT_BASE + phys);
}

static uint64_t
table_phys(const uint64_t *table)
{
  return (uint64_t)table - LAYOUT_KERNEL_VIRT_BASE;
}

static uint64_t *
table_alloc(void)
{
  if (table_pool_used == TABLE_POOL_PAGES)
    return 0;
  uint64_t *table = table_pool[table_pool_used++];
  for (int i = 0; i < PT_ENTRIES; i++)
    table[i] = 0;
  return table;
}

// The page table (lowest level) covering virt, created if missing.
static uint64_t *
walk_to_pt(uint64_t virt)
{
  uint64_t *table = table_at(cr3_read() & PTE_ADDR_MASK);

  for (int level = PT_LEVEL_PML4; table && level > PT_LEVEL_PT; level--) {
    uint64_t *entry = &table[PT_INDEX(virt, level)];
    if (*entry & PTE_HUGE)
      return 0; // a large page is in the way; splitting it is paging's job
    if (!(*entry & PTE_PRESENT)) {
      uint64_t *fresh = table_alloc();
      if (!fresh)
        return 0;
      *entry = table_phys(fresh) | PTE_TABLE_FLAGS;
    }
    table = table_at(*entry & PTE_ADDR_MASK);
  }
  return table;
}

static uint64_t
leaf_flags(unsigned flags)
{
  uint64_t pte = PTE_PRESENT;

  if (flags & MMIO_WRITABLE)
    pte |= PTE_WRITABLE;
  if (flags & MMIO_UNCACHED)
    pte |= PTE_PCD | PTE_PWT;
  if ((flags & MMIO_NO_EXEC) && (msr_read(MSR_IA32_EFER) & EFER_NXE))
    pte |= PTE_NX; // without EFER.NXE bit 63 is reserved and would fault
  return pte;
}

volatile void *
mmio_map(uint64_t virt, uint64_t phys, uint64_t pages, unsigned flags)
{
  uint64_t pte = leaf_flags(flags);

  // Create every table first, so a failure leaves nothing half mapped.
  for (uint64_t i = 0; i < pages; i++) {
    if (!walk_to_pt(virt + i * PAGE_SIZE)) {
      kprintf("[mmio] cannot reach a page table for %p (pool of %d pages "
              "used: %d)\n", (void *)(virt + i * PAGE_SIZE), TABLE_POOL_PAGES,
              table_pool_used);
      return 0;
    }
  }
  for (uint64_t i = 0; i < pages; i++) {
    uint64_t page = virt + i * PAGE_SIZE;
    walk_to_pt(page)[PT_INDEX(page, PT_LEVEL_PT)] =
        ((phys + i * PAGE_SIZE) & PTE_ADDR_MASK) | pte;
    tlb_flush_page(page);
  }
  return (volatile void *)virt;
}
