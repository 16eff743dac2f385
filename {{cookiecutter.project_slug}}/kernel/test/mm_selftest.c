// Self-tests of the memory manager on the running machine (see
// mm_selftest.h). The host tests cover the edge cases; these check that the
// glue works on real page tables: pages above 4 GiB, tables allocated from
// the PMM, faults resolved, blocks backed and returned.

#include <stdbool.h>
#include <stdint.h>

#include "arch/cpu_regs.h"
#include "layout.h"
#include "lib/kprintf.h"
#include "mm/fba.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/protect.h"
#include "test/mm_selftest.h"

#define TEST_PAGES      64 // pages the PMM test takes at once
#define TEST_PATTERN    0x5A5AA5A5DEADBEEFULL
#define FOUR_GIB        0x100000000ULL
#define ONE_GIB         0x40000000ULL
#define LOW_RESERVED    0x200000ULL // the PMM never hands out the first 2 MiB
#define FBA_RUN         5           // blocks in the contiguous FBA test
#define QWORDS_PER_PAGE (PT_PAGE_SIZE / sizeof(uint64_t))
// IDT layout, SDM vol. 3A, 6.14.1: 16-byte gates, P is bit 7 of byte 5.
#define IDT_GATE_SIZE     16
#define IDT_GATE_P_BYTE   5
#define IDT_GATE_P_BIT    0x80
#define VECTOR_PAGE_FAULT 14
#define KERNEL_HALF_START 0xFFFF800000000000ULL // first upper-half address
#define PML4_SLOT_SHIFT   39
#define PDPT_SLOT_SHIFT   30
#define VA_SIGN_EXTENSION 0xFFFF000000000000ULL
// BIOS data area, read through the kernel window: where the EBDA starts.
#define BDA_EBDA_SEGMENT 0x40E // u16, 0 if none
#define BDA_BASE_KIB     0x413 // u16, what INT 12h reports
#define CONVENTIONAL_END 0xA0000ULL
#define ONE_MIB          0x100000ULL

static bool
check(bool ok, const char *what)
{
  if (!ok)
    kprintf("[test]   failed: %s\n", what);
  return ok;
}

static bool
pmm_take(uint64_t *pages)
{
  bool ok = true;

  for (int i = 0; i < TEST_PAGES; i++) {
    pages[i] = pmm_alloc_page();
    ok &= check(pages[i] >= LOW_RESERVED && pages[i] % PT_PAGE_SIZE == 0,
                "pmm_alloc_page gives an aligned page above 2 MiB");
    for (int j = 0; j < i; j++)
      ok &= check(pages[j] != pages[i], "pages are distinct");
  }
  return ok;
}

bool
selftest_pmm(void)
{
  uint64_t pages[TEST_PAGES];
  uint64_t free_before = pmm_free_bytes();
  bool ok = pmm_take(pages);

  ok &= check(pmm_free_bytes() <= free_before - TEST_PAGES * PT_PAGE_SIZE,
              "free memory drops by the pages taken");
  if (pmm_ram_bytes() > FOUR_GIB)
    ok &= check(pages[0] >= FOUR_GIB, "pages above 4 GiB are handed out");
  pmm_free_page(pages[0]);
  ok &= check(pmm_try_free_page(pages[0]) == PMM_ERR_DOUBLE_FREE,
              "a double free is refused");
  ok &= check(pmm_try_free_page(PT_PAGE_SIZE) == PMM_ERR_NOT_RAM,
              "freeing low memory is refused");
  ok &= check(pmm_try_free_page(pages[1] + 1) == PMM_ERR_ALIGN,
              "an unaligned free is refused");
  for (int i = 1; i < TEST_PAGES; i++)
    pmm_free_page(pages[i]);
  ok &= check(pmm_free_bytes() == free_before, "free memory is back");
  kprintf("[test]   pmm: first page 0x%lx, free %lu KiB\n", pages[0],
          pmm_free_bytes() / 1024);
  return ok;
}

// Map one page twice, in fresh tables (the scratch region has none yet),
// and check the two views agree.
bool
selftest_paging(void)
{
  uint64_t region = paging_scratch_region();
  uint64_t va = region + ONE_GIB + 0x123000,
           alias = region + 3 * ONE_GIB + 0x5000;
  uint64_t phys = pmm_alloc_page(), seen = 0;
  bool ok = check(phys != 0, "a page to map");

  ok &= check(!paging_translate(va, NULL), "scratch region starts unmapped");
  ok &= check(paging_map(va, phys, PTE_WRITABLE) == 0, "paging_map");
  ok &= check(paging_map(alias, phys, PTE_WRITABLE) == 0, "paging_map alias");
  ok &= check(paging_translate(va, &seen) && seen == phys, "translate");
  *(volatile uint64_t *)va = TEST_PATTERN;
  ok &= check(*(volatile uint64_t *)(alias) == TEST_PATTERN,
              "alias sees the write");
  ok &= check(paging_unmap(alias) == phys && paging_unmap(va) == phys, "unmap");
  ok &= check(!paging_translate(va, NULL) && !paging_translate(alias, NULL),
              "unmapped pages stay unmapped");
  ok &= check(paging_map(va, phys, PTE_WRITABLE) == 0 &&
                  *(volatile uint64_t *)va == TEST_PATTERN,
              "map again");
  paging_unmap(va);
  pmm_free_page(phys);
  kprintf("[test]   paging: page 0x%lx at %p and %p\n", phys, (void *)va,
          (void *)alias);
  return ok;
}

static uint16_t
bda_word(uint64_t offset)
{
  return *(volatile uint16_t *)(LAYOUT_KERNEL_VIRT_BASE + offset);
}

// Where the EBDA starts: the lower of the BDA's pointer and INT 12h's figure.
static uint64_t
ebda_start(void)
{
  uint64_t start = (uint64_t)bda_word(BDA_BASE_KIB) * 1024;
  uint64_t pointer = (uint64_t)bda_word(BDA_EBDA_SEGMENT) << 4;

  if (start == 0)
    return CONVENTIONAL_END; // no BIOS data area (booted through UEFI)
  if (pointer != 0 && pointer < start)
    start = pointer;
  return start < CONVENTIONAL_END ? start : CONVENTIONAL_END;
}

// A table of the live hierarchy: not one of stage2's, and not in the EBDA.
static bool
table_ok(uint64_t phys, uint64_t ebda)
{
  bool ok =
      check(phys - LAYOUT_BOOT_PAGE_TABLES >= LAYOUT_BOOT_PAGE_TABLES_SIZE ||
                phys - LAYOUT_PMM_BOOTSTRAP < LAYOUT_PMM_BOOTSTRAP_SIZE,
            "no page table is one of stage2's");
  return ok & check(phys < ebda || phys >= ONE_MIB,
                    "no page table lies at or above the EBDA");
}

// The kernel runs on page tables of its own: CR3 is not stage2's PML4, the
// lower half (stage2's identity map) is empty, and no table of the
// hierarchy is one of stage2's or lies in the EBDA. Walked through the
// recursive slot.
bool
selftest_own_page_tables(void)
{
  unsigned slot = LAYOUT_PAGE_TABLE_SLOT;
  uint64_t root = cr3_read() & PTE_ADDR_MASK, ebda = ebda_start();
  uint64_t *pml4 = (uint64_t *)pt_recursive_table_va(slot, 0, PT_LEVELS);
  unsigned tables = 1;
  bool ok = check(root != LAYOUT_BOOT_PAGE_TABLES, "CR3 is not stage2's PML4");

  ok &= table_ok(root, ebda);
  for (unsigned i = 0; i < PT_ENTRIES; i++) {
    if (!(pml4[i] & PTE_PRESENT) || i == slot)
      continue;
    ok &= check(i >= PT_ENTRIES / 2, "the lower half is unmapped");
    uint64_t base = VA_SIGN_EXTENSION | (uint64_t)i << PML4_SLOT_SHIFT;
    uint64_t *pdpt = (uint64_t *)pt_recursive_table_va(slot, base, 3);
    ok &= table_ok(pml4[i] & PTE_ADDR_MASK, ebda);
    tables++;
    for (unsigned j = 0; j < PT_ENTRIES; j++) {
      if (!(pdpt[j] & PTE_PRESENT) || (pdpt[j] & PTE_LARGE))
        continue;
      uint64_t va = base | (uint64_t)j << PDPT_SLOT_SHIFT;
      uint64_t *pd = (uint64_t *)pt_recursive_table_va(slot, va, 2);
      ok &= table_ok(pdpt[j] & PTE_ADDR_MASK, ebda);
      tables++;
      for (unsigned k = 0; k < PT_ENTRIES; k++) {
        if ((pd[k] & PTE_PRESENT) && !(pd[k] & PTE_LARGE)) {
          ok &= table_ok(pd[k] & PTE_ADDR_MASK, ebda);
          tables++;
        }
      }
    }
  }
  kprintf("[test]   paging: PML4 at 0x%lx, %u tables, none of stage2's (0x%lx) "
          "or at or above the EBDA (0x%lx)\n",
          root, tables, (uint64_t)LAYOUT_BOOT_PAGE_TABLES, ebda);
  return ok;
}

// Every guard page is unmapped: the kernel stack's and the IST stacks'
// (gdt.c registers those).
bool
selftest_guard_pages(void)
{
  unsigned count = 0;
  bool ok = true;

  for (uint64_t va; (va = protect_guard_page(count)) != 0; count++) {
    ok &= check(!paging_translate(va, NULL), "guard page unmapped");
    kprintf("[test]   guard page %p below the %s\n", (void *)va,
            protect_guard_page_stack(va));
  }
  return ok && check(count == 3, "kernel stack, #DF and NMI guard pages");
}

#if LAYOUT_AUTOMAP_ENABLED
struct idt_pointer {
  uint16_t limit;
  uint64_t base;
} __attribute__((packed));

// Whether a page-fault gate is installed (this test needs the IDT).
static bool
page_fault_gate_present(void)
{
  struct idt_pointer idtr;

  __asm__ volatile("sidt %0" : "=m"(idtr));
  // Stage2 leaves the real-mode IVT's IDTR (base 0, no longer mapped).
  if (idtr.base < KERNEL_HALF_START ||
      idtr.limit < (VECTOR_PAGE_FAULT + 1) * IDT_GATE_SIZE - 1)
    return false;
  const uint8_t *gate =
      (const uint8_t *)idtr.base + VECTOR_PAGE_FAULT * IDT_GATE_SIZE;
  return (gate[IDT_GATE_P_BYTE] & IDT_GATE_P_BIT) != 0;
}

// Touch a page at each end of the automap area: each fault maps a zeroed page.
bool
selftest_automap(void)
{
  uint64_t pages[] = {LAYOUT_AUTOMAP_BASE,
                      LAYOUT_AUTOMAP_BASE + LAYOUT_AUTOMAP_SIZE - PT_PAGE_SIZE};
  bool ok = true;

  if (!page_fault_gate_present()) {
    kprintf("[test]   automap: skipped, no page-fault gate in the IDT yet\n");
    return true;
  }
  for (unsigned i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
    volatile uint64_t *p = (volatile uint64_t *)(pages[i] + 8);
    ok &= check(!paging_translate(pages[i], NULL),
                "automap page starts unmapped");
    ok &= check(*p == 0, "automapped page reads zero");
    *p = TEST_PATTERN;
    ok &= check(*p == TEST_PATTERN && paging_translate(pages[i], NULL),
                "automapped page keeps a write");
    pmm_free_page(paging_unmap(pages[i]));
  }
  return ok;
}
#else
bool
selftest_automap(void)
{
  kprintf("[test]   automap: disabled in layout.cfg\n");
  return true;
}
#endif

static bool
fill_and_check(uint64_t *block, uint64_t seed)
{
  for (uint64_t i = 0; i < QWORDS_PER_PAGE; i++)
    block[i] = seed + i;
  for (uint64_t i = 0; i < QWORDS_PER_PAGE; i++)
    if (block[i] != seed + i)
      return false;
  return true;
}

bool
selftest_fba(void)
{
  uint64_t free_before = pmm_free_bytes();
  size_t used_before = fba_used_blocks();
  uint64_t *one = fba_alloc_block();
  uint8_t *run = fba_alloc_blocks(FBA_RUN);
  bool ok = check(one && run, "fba allocations");

  if (!ok)
    return false;
  ok &= check(fill_and_check(one, TEST_PATTERN), "a block holds data");
  for (int i = 0; i < FBA_RUN; i++)
    ok &= check(fill_and_check((uint64_t *)(run + i * FBA_BLOCK_SIZE), i),
                "every block of a run holds data");
  ok &= check(pmm_free_bytes() <= free_before - (FBA_RUN + 1) * PT_PAGE_SIZE,
              "blocks take PMM pages");
  fba_free_blocks(run, FBA_RUN);
  ok &= check(fba_alloc_blocks(FBA_RUN) == run, "a freed run is reused");
  fba_free_blocks(run, FBA_RUN);
  fba_free_block(one);
  ok &= check(fba_alloc_blocks(LAYOUT_FBA_SIZE / FBA_BLOCK_SIZE) == NULL,
              "an oversized request fails with NULL");
  ok &=
      check(fba_used_blocks() == used_before, "fba blocks are all free again");
  ok &= check(pmm_free_bytes() == free_before, "pages went back to the PMM");
  return ok;
}
