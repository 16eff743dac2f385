// Host tests of the page-table mapper core (kernel/pt_core.c) on simulated
// tables: "physical memory" is an array of pages given addresses above
// 4 GiB, and the table callback turns those addresses into pointers.

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mm/pt_core.c"

#define PHYS_BASE      0x100000000ULL // tables live above 4 GiB, as on big machines
#define SIM_PAGES      64
#define GARBAGE        0xAB // fresh pages are not zero
#define KERNEL_VA      0xFFFFFFFF80400000ULL
#define RECURSIVE_SLOT 510

struct sim {
  uint8_t (*pages)[PT_PAGE_SIZE];
  int used;
  int budget; // table allocations allowed
  int invalidations;
  uint64_t last_invalidated;
  struct pt pt;
};

#define GARBAGE_ENTRY 0xABABABABABABABABULL

static uint64_t *
sim_page(struct sim *s, uint64_t phys)
{
  return (uint64_t *)s->pages[(phys - PHYS_BASE) / PT_PAGE_SIZE];
}

// What a CPU walking the tables now could read: no linked table may hold a
// stale (garbage) entry. Walks every table reachable from the root.
static void
assert_no_stale_table(struct sim *s, uint64_t phys, int level)
{
  uint64_t *table = sim_page(s, phys);

  for (int i = 0; i < PT_ENTRIES; i++) {
    assert_true(table[i] != GARBAGE_ENTRY);
    uint64_t next = table[i] & PTE_ADDR_MASK;
    if (level > 1 && (table[i] & PTE_PRESENT) && !(table[i] & PTE_LARGE) &&
        next >= PHYS_BASE && next < PHYS_BASE + SIM_PAGES * PT_PAGE_SIZE)
      assert_no_stale_table(s, next, level - 1);
  }
}

static uint64_t *
sim_table(void *ctx, uint64_t phys, uint64_t va, int level)
{
  struct sim *s = ctx;
  (void)va;
  assert_no_stale_table(s, s->pt.root, PT_LEVELS);
  assert_true(level >= 1 && level <= PT_LEVELS);
  assert_true(phys >= PHYS_BASE && phys < PHYS_BASE + SIM_PAGES * PT_PAGE_SIZE);
  assert_int_equal(phys % PT_PAGE_SIZE, 0);
  return sim_page(s, phys);
}

static void
sim_zero(void *ctx, uint64_t phys)
{
  memset(sim_page(ctx, phys), 0, PT_PAGE_SIZE);
}

static uint64_t
sim_alloc(void *ctx)
{
  struct sim *s = ctx;
  if (s->budget == 0 || s->used == SIM_PAGES)
    return 0;
  s->budget--;
  return PHYS_BASE + (uint64_t)s->used++ * PT_PAGE_SIZE;
}

static void
sim_invalidate(void *ctx, uint64_t va)
{
  struct sim *s = ctx;
  assert_no_stale_table(s, s->pt.root, PT_LEVELS);
  s->invalidations++;
  s->last_invalidated = va;
}

static int
setup(void **state)
{
  struct sim *s = calloc(1, sizeof(*s));
  s->pages = aligned_alloc(PT_PAGE_SIZE, SIM_PAGES * PT_PAGE_SIZE);
  memset(s->pages, GARBAGE, SIM_PAGES * PT_PAGE_SIZE);
  s->budget = SIM_PAGES;
  s->pt.ops =
      (struct pt_ops){s, sim_table, sim_alloc, sim_invalidate, sim_zero};
  s->pt.root = sim_alloc(s);
  memset(s->pages[0], 0, PT_PAGE_SIZE); // the root starts empty
  *state = s;
  return 0;
}

static int
teardown(void **state)
{
  struct sim *s = *state;
  free(s->pages);
  free(s);
  return 0;
}

static void
test_map_translate_unmap(void **state)
{
  struct sim *s = *state;
  uint64_t phys = 0;

  assert_int_equal(pt_map(&s->pt, KERNEL_VA, 0x123456000ULL, PTE_WRITABLE),
                   PT_OK);
  assert_int_equal(s->used, 4); // root + PDPT + PD + PT
  assert_int_equal(s->last_invalidated, KERNEL_VA);
  assert_int_equal(pt_translate(&s->pt, KERNEL_VA + 0x10, &phys), PT_OK);
  assert_int_equal(phys, 0x123456010ULL);
  assert_int_equal(pt_unmap(&s->pt, KERNEL_VA, &phys), PT_OK);
  assert_int_equal(phys, 0x123456000ULL);
  assert_int_equal(s->last_invalidated, KERNEL_VA);
  assert_int_equal(pt_translate(&s->pt, KERNEL_VA, NULL), PT_ERR_NOT_MAPPED);
  assert_int_equal(pt_unmap(&s->pt, KERNEL_VA, NULL), PT_ERR_NOT_MAPPED);
}

static void
test_new_tables_are_zeroed(void **state)
{
  struct sim *s = *state;

  assert_int_equal(pt_map(&s->pt, KERNEL_VA, 0x5000, PTE_WRITABLE), PT_OK);
  // Neighbours in the garbage-filled fresh tables must read as unmapped.
  assert_int_equal(pt_translate(&s->pt, KERNEL_VA + PT_PAGE_SIZE, NULL),
                   PT_ERR_NOT_MAPPED);
  assert_int_equal(pt_translate(&s->pt, KERNEL_VA + (1ULL << 21), NULL),
                   PT_ERR_NOT_MAPPED);
  assert_int_equal(pt_translate(&s->pt, KERNEL_VA - (1ULL << 30), NULL),
                   PT_ERR_NOT_MAPPED);
}

static void
test_tables_shared(void **state)
{
  struct sim *s = *state;

  assert_int_equal(pt_map(&s->pt, KERNEL_VA, 0x5000, 0), PT_OK);
  assert_int_equal(pt_map(&s->pt, KERNEL_VA + PT_PAGE_SIZE, 0x6000, 0), PT_OK);
  assert_int_equal(s->used, 4);
  assert_int_equal(pt_map(&s->pt, KERNEL_VA + (1ULL << 21), 0x7000, 0), PT_OK);
  assert_int_equal(s->used, 5); // one more PT
  assert_int_equal(pt_map(&s->pt, 0xFFFF800000000000ULL, 0x8000, 0), PT_OK);
  assert_int_equal(s->used, 8); // a new PDPT, PD and PT
}

static void
test_flags_and_errors(void **state)
{
  struct sim *s = *state;
  uint64_t *pte;

  assert_int_equal(pt_map(&s->pt, KERNEL_VA, 0xFEE00000ULL,
                          PTE_WRITABLE | PTE_PCD | PTE_PWT),
                   PT_OK);
  assert_int_equal(walk(&s->pt, KERNEL_VA, false, &pte), PT_OK);
  assert_int_equal(*pte, 0xFEE00000ULL | PTE_PRESENT | PTE_WRITABLE | PTE_PCD |
                             PTE_PWT);
  assert_int_equal(pt_map(&s->pt, KERNEL_VA, 0x1000, 0), PT_ERR_MAPPED);
  assert_int_equal(pt_map(&s->pt, KERNEL_VA + 8, 0x1000, 0), PT_ERR_ALIGN);
  assert_int_equal(pt_map(&s->pt, KERNEL_VA + PT_PAGE_SIZE, 0x1008, 0),
                   PT_ERR_ALIGN);
  assert_int_equal(pt_unmap(&s->pt, KERNEL_VA + 8, NULL), PT_ERR_ALIGN);
}

static void
test_out_of_memory(void **state)
{
  struct sim *s = *state;

  s->budget = 2; // PDPT and PD, no PT
  assert_int_equal(pt_map(&s->pt, KERNEL_VA, 0x5000, 0), PT_ERR_NO_MEMORY);
  assert_int_equal(pt_translate(&s->pt, KERNEL_VA, NULL), PT_ERR_NOT_MAPPED);
  s->budget = 1;
  assert_int_equal(pt_map(&s->pt, KERNEL_VA, 0x5000, 0), PT_OK);
}

static void
test_large_page(void **state)
{
  struct sim *s = *state;
  uint64_t phys;

  assert_int_equal(pt_prepare(&s->pt, KERNEL_VA), PT_OK);
  // Turn the PD entry into a 2 MiB page, as paging_init does for the window.
  uint64_t *pml4 = sim_table(s, s->pt.root, 0, 4);
  uint64_t *pdpt =
      sim_table(s, pml4[pt_index(KERNEL_VA, 4)] & PTE_ADDR_MASK, 0, 3);
  uint64_t *pd =
      sim_table(s, pdpt[pt_index(KERNEL_VA, 3)] & PTE_ADDR_MASK, 0, 2);
  pd[pt_index(KERNEL_VA, 2)] = 0x200000 | PTE_PRESENT | PTE_LARGE;
  assert_int_equal(pt_translate(&s->pt, KERNEL_VA + 0x1234, &phys), PT_OK);
  assert_int_equal(phys, 0x201234);
  assert_int_equal(pt_map(&s->pt, KERNEL_VA, 0x5000, 0), PT_ERR_LARGE);
  assert_int_equal(pt_unmap(&s->pt, KERNEL_VA, NULL), PT_ERR_LARGE);
}

// With PML4[slot] pointing at the PML4, translating the recursive address
// of each table must land on that table: the simulated MMU checks the
// address formula paging.c relies on.
static void
test_recursive_addresses(void **state)
{
  struct sim *s = *state;
  uint64_t vas[] = {KERNEL_VA, 0xFFFF800000000000ULL, 0xFFFFFF8000123000ULL};

  uint64_t *pml4 = sim_table(s, s->pt.root, 0, 4);
  pml4[RECURSIVE_SLOT] = s->pt.root | PTE_PRESENT | PTE_WRITABLE;
  for (unsigned i = 0; i < sizeof(vas) / sizeof(vas[0]); i++) {
    assert_int_equal(pt_map(&s->pt, vas[i], 0x9000, 0), PT_OK);
    uint64_t table = s->pt.root, phys;
    for (int level = PT_LEVELS; level >= 1; level--) {
      uint64_t rva = pt_recursive_table_va(RECURSIVE_SLOT, vas[i], level);
      assert_int_equal(pt_translate(&s->pt, rva, &phys), PT_OK);
      assert_int_equal(phys, table);
      table = sim_table(s, table, 0, level)[pt_index(vas[i], level)] &
              PTE_ADDR_MASK;
    }
    assert_int_equal(table, 0x9000);
  }
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_map_translate_unmap, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_new_tables_are_zeroed, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_tables_shared, setup, teardown),
      cmocka_unit_test_setup_teardown(test_flags_and_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_out_of_memory, setup, teardown),
      cmocka_unit_test_setup_teardown(test_large_page, setup, teardown),
      cmocka_unit_test_setup_teardown(test_recursive_addresses, setup,
                                      teardown),
  };
  return cmocka_run_group_tests_name("paging", tests, NULL, NULL);
}
