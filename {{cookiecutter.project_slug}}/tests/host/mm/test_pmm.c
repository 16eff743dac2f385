// Host tests of the PMM core (kernel/pmm_core.c). The PMM area is a
// PROT_NONE reservation; the map callback makes a page read-write, so any
// touch of an area page the PMM did not back crashes the test. Physical
// addresses are only numbers here: nothing is stored at them.

#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "mm/pmm_core.c"

#define MIB        0x100000ULL
#define GIB        0x40000000ULL
#define PAGE       PMM_PAGE_SIZE
#define AREA_SIZE  (64 * MIB)
#define AREA_PAGES (AREA_SIZE / PAGE)

struct area {
  uint8_t *base;
  uint64_t backing[AREA_PAGES]; // phys behind each area page, 0 = none
  int map_budget;               // maps allowed before failing, -1 = no limit
};

static struct area *area;

static bool
host_map(void *ctx, uintptr_t va, uint64_t phys)
{
  struct area *a = ctx;
  uint64_t page = (va - (uintptr_t)a->base) / PAGE;

  assert_true(va >= (uintptr_t)a->base && page < AREA_PAGES);
  assert_int_equal(a->backing[page], 0);
  if (a->map_budget == 0)
    return false;
  if (a->map_budget > 0)
    a->map_budget--;
  assert_int_equal(mprotect((void *)va, PAGE, PROT_READ | PROT_WRITE), 0);
  a->backing[page] = phys;
  return true;
}

static bool
host_mapped(void *ctx, uintptr_t va)
{
  struct area *a = ctx;
  return a->backing[(va - (uintptr_t)a->base) / PAGE] != 0;
}

// Whether phys is backing area storage (it must then never be handed out).
static bool
is_storage(uint64_t phys)
{
  for (uint64_t i = 0; i < AREA_PAGES; i++)
    if (area->backing[i] == phys)
      return true;
  return false;
}

static const struct mem_range regions[] = {
    {2 * MIB, 4 * MIB},       // 512 pages
    {16 * MIB, 17 * MIB},     // 256 pages
    {4 * GIB, 4 * GIB + MIB}, // 256 pages, above 4 GiB
};
#define REGION_COUNT (sizeof(regions) / sizeof(regions[0]))
#define TOTAL_PAGES  (512 + 256 + 256)

static int
setup(void **state)
{
  area = calloc(1, sizeof(*area));
  area->base = mmap(NULL, AREA_SIZE, PROT_NONE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  assert_true(area->base != MAP_FAILED);
  area->map_budget = -1;
  // The first page is backed before init, as the kernel's bootstrap page is.
  host_map(area, (uintptr_t)area->base, 0x99000);
  *state = area;
  return 0;
}

static int
teardown(void **state)
{
  (void)state;
  munmap(area->base, AREA_SIZE);
  free(area);
  return 0;
}

static struct pmm *
make_pmm(const struct mem_range *r, size_t n)
{
  struct pmm_ops ops = {area, host_map, host_mapped};
  enum pmm_status status;
  struct pmm *pmm =
      pmm_core_init((uintptr_t)area->base, AREA_SIZE, &ops, r, n, &status);
  assert_int_equal(status, PMM_OK);
  assert_non_null(pmm);
  return pmm;
}

static bool
in_regions(uint64_t phys)
{
  for (size_t i = 0; i < REGION_COUNT; i++)
    if (phys >= regions[i].base && phys < regions[i].end)
      return true;
  return false;
}

// Allocate until empty; every page distinct, aligned, usable, not storage.
static size_t
drain(struct pmm *pmm, uint64_t *pages, size_t max)
{
  size_t n = 0;
  uint64_t phys;

  while ((phys = pmm_core_alloc(pmm)) != 0) {
    assert_true(n < max);
    assert_int_equal(phys % PAGE, 0);
    assert_true(in_regions(phys));
    assert_true(pmm_core_is_allocated(pmm, phys));
    pages[n++] = phys;
  }
  for (size_t i = 0; i < n; i++)
    assert_false(is_storage(pages[i]));
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++)
      assert_true(pages[i] != pages[j]);
  return n;
}

static void
test_init_counts(void **state)
{
  (void)state;
  struct pmm *pmm = make_pmm(regions, REGION_COUNT);
  assert_int_equal(pmm->total_pages, TOTAL_PAGES);
  assert_int_equal(pmm->free_pages, TOTAL_PAGES);
  assert_int_equal(pmm->depth, REGION_COUNT);
}

static void
test_alloc_until_empty_then_free_all(void **state)
{
  (void)state;
  struct pmm *pmm = make_pmm(regions, REGION_COUNT);
  uint64_t pages[TOTAL_PAGES];
  size_t n = drain(pmm, pages, TOTAL_PAGES);

  // Some pages went to the bitmap (one per 128 MiB of physical space used).
  assert_true(n > TOTAL_PAGES - 8);
  assert_int_equal(pmm->free_pages, 0);
  assert_int_equal(pmm_core_alloc(pmm), 0);
  for (size_t i = 0; i < n; i++)
    assert_int_equal(pmm_core_free(pmm, pages[i]), PMM_OK);
  assert_int_equal(pmm->free_pages, n - (TOTAL_PAGES - pmm->total_pages));
  size_t again = drain(pmm, pages, TOTAL_PAGES);
  assert_true(again + 2 >= n); // stack growth may keep a page or two
}

static void
test_double_free(void **state)
{
  (void)state;
  struct pmm *pmm = make_pmm(regions, REGION_COUNT);
  uint64_t a = pmm_core_alloc(pmm), b = pmm_core_alloc(pmm);

  assert_int_equal(pmm_core_free(pmm, a), PMM_OK);
  uint64_t free_pages = pmm->free_pages, depth = pmm->depth;
  assert_int_equal(pmm_core_free(pmm, a), PMM_ERR_DOUBLE_FREE);
  assert_int_equal(pmm->free_pages, free_pages);
  assert_int_equal(pmm->depth, depth);
  // A page that was never allocated is "already free" too.
  assert_int_equal(pmm_core_free(pmm, regions[0].base), PMM_ERR_DOUBLE_FREE);
  assert_int_equal(pmm_core_free(pmm, b), PMM_OK);
  assert_int_equal(pmm_core_free(pmm, b), PMM_ERR_DOUBLE_FREE);
}

// When the stack is full, a freed page becomes stack storage. Freeing it
// again must be refused: accepted, the PMM would later hand out its own
// stack. The same holds for every page of its own (bitmap pages too).
static void
test_double_free_of_a_page_that_became_storage(void **state)
{
  (void)state;
  struct pmm *pmm = make_pmm(regions, REGION_COUNT);
  uint64_t pages[TOTAL_PAGES];
  size_t n = drain(pmm, pages, TOTAL_PAGES);
  uint64_t storage = 0;

  for (size_t i = 0; i < n && storage == 0; i += 2) {
    assert_int_equal(pmm_core_free(pmm, pages[i]), PMM_OK);
    if (is_storage(pages[i]))
      storage = pages[i];
  }
  assert_true(storage != 0);
  uint64_t free_pages = pmm->free_pages, depth = pmm->depth;
  assert_false(pmm_core_is_allocated(pmm, storage));
  assert_int_equal(pmm_core_free(pmm, storage), PMM_ERR_DOUBLE_FREE);
  assert_int_equal(pmm->free_pages, free_pages);
  assert_int_equal(pmm->depth, depth);
  for (uint64_t i = 0; i < AREA_PAGES; i++)
    if (area->backing[i] && in_regions(area->backing[i]))
      assert_int_equal(pmm_core_free(pmm, area->backing[i]),
                       PMM_ERR_DOUBLE_FREE);
  drain(pmm, pages, TOTAL_PAGES); // never hands out its own storage
}

// The bitmap for RAM up to 2^52 needs 128 GiB: in a 64 MiB area it does
// not fit, and no address outside the area is offered for it.
static void
test_bitmap_place_refuses_what_does_not_fit(void **state)
{
  uintptr_t va;
  uint64_t size;
  (void)state;
  assert_false(pmm_core_bitmap_place((uintptr_t)area->base, AREA_SIZE,
                                     1ULL << 52, &va, &size));
  assert_int_equal(va, 0);
  assert_false(pmm_core_bitmap_place((uintptr_t)area->base, AREA_SIZE,
                                     UINT64_MAX, &va, &size));
  // 64 MiB minus the first page and the guard covers 2 TiB of RAM less a
  // little; 1 TiB fits, right below the guard page.
  assert_true(pmm_core_bitmap_place((uintptr_t)area->base, AREA_SIZE,
                                    1ULL << 40, &va, &size));
  assert_int_equal(size, 32 * MIB);
  assert_int_equal(va, (uintptr_t)area->base + AREA_SIZE - PAGE - 32 * MIB);
}

static void
test_bad_addresses(void **state)
{
  (void)state;
  struct pmm *pmm = make_pmm(regions, REGION_COUNT);
  uint64_t a = pmm_core_alloc(pmm);

  assert_int_equal(pmm_core_free(pmm, a + 8), PMM_ERR_ALIGN);
  assert_int_equal(pmm_core_free(pmm, 0x1000), PMM_ERR_NOT_RAM);
  assert_int_equal(pmm_core_free(pmm, 8 * MIB), PMM_ERR_NOT_RAM);
  assert_int_equal(pmm_core_free(pmm, 64 * GIB), PMM_ERR_NOT_RAM);
  assert_int_equal(pmm_core_free(pmm, regions[0].end), PMM_ERR_NOT_RAM);
  assert_true(pmm_core_is_allocated(pmm, a));
  assert_false(pmm_core_is_allocated(pmm, 64 * GIB));
}

static void
test_lifo_reuse(void **state)
{
  (void)state;
  struct pmm *pmm = make_pmm(regions, REGION_COUNT);
  uint64_t a = pmm_core_alloc(pmm);

  assert_int_equal(pmm_core_free(pmm, a), PMM_OK);
  assert_int_equal(pmm_core_alloc(pmm), a);
}

// A small deterministic generator, so failures reproduce.
static uint64_t
next_random(uint64_t *seed)
{
  *seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
  return *seed >> 33;
}

static void
test_interleaved(void **state)
{
  (void)state;
  struct pmm *pmm = make_pmm(regions, REGION_COUNT);
  uint64_t held[TOTAL_PAGES];
  size_t n = 0;
  uint64_t seed = 42;

  for (int step = 0; step < 20000; step++) {
    if (n > 0 && (next_random(&seed) % 3 == 0 || n == TOTAL_PAGES)) {
      size_t i = next_random(&seed) % n;
      assert_int_equal(pmm_core_free(pmm, held[i]), PMM_OK);
      held[i] = held[--n];
    } else {
      uint64_t phys = pmm_core_alloc(pmm);
      if (phys == 0)
        continue;
      for (size_t i = 0; i < n; i++)
        assert_true(held[i] != phys);
      assert_false(is_storage(phys));
      held[n++] = phys;
    }
  }
  while (n > 0)
    assert_int_equal(pmm_core_free(pmm, held[--n]), PMM_OK);
}

// Freeing every other page defeats coalescing: the stack outgrows its
// first page and grows with the freed pages themselves.
static void
test_stack_grows(void **state)
{
  (void)state;
  struct pmm *pmm = make_pmm(regions, REGION_COUNT);
  uint64_t pages[TOTAL_PAGES];
  size_t n = drain(pmm, pages, TOTAL_PAGES);
  uint64_t first_capacity = pmm->capacity;

  for (size_t i = 0; i < n; i += 2)
    assert_int_equal(pmm_core_free(pmm, pages[i]), PMM_OK);
  assert_true(pmm->capacity > first_capacity);
  assert_true(pmm->depth > first_capacity);
  for (size_t i = 1; i < n; i += 2)
    assert_int_equal(pmm_core_free(pmm, pages[i]), PMM_OK);
  drain(pmm, pages, TOTAL_PAGES);
}

static void
test_bitmap_backing_fails(void **state)
{
  (void)state;
  struct pmm *pmm = make_pmm(regions, REGION_COUNT);
  uint64_t free_pages = pmm->free_pages;

  area->map_budget = 0;
  assert_int_equal(pmm_core_alloc(pmm), 0);
  area->map_budget = -1;
  assert_true(pmm->free_pages + 1 >= free_pages); // at most the lost page
  assert_true(pmm_core_alloc(pmm) != 0);
}

// The stack is exactly full after init, and the top range's bitmap page is
// not backed yet. An alloc there pops a page, fails to back the bitmap page
// (the map fails) and must give the page back without writing to the
// unbacked bitmap page; the area's PROT_NONE pages would crash the test.
static void
test_failed_alloc_with_a_full_stack(void **state)
{
  (void)state;
  size_t capacity = (PAGE - sizeof(struct pmm)) / sizeof(struct pmm_range);
  struct mem_range *many = calloc(capacity, sizeof(*many));
  for (size_t i = 0; i + 1 < capacity; i++)
    many[i] = (struct mem_range){2 * MIB + i * 5 * PAGE,
                                 2 * MIB + i * 5 * PAGE + 3 * PAGE};
  many[capacity - 1] = (struct mem_range){4 * GIB, 4 * GIB + 3 * PAGE};
  struct pmm *pmm = make_pmm(many, capacity);
  assert_int_equal(pmm->depth, pmm->capacity);
  uint64_t free_before = pmm->free_pages;

  area->map_budget = 0;
  assert_int_equal(pmm_core_alloc(pmm), 0);
  assert_true(pmm->free_pages < free_before); // pages may be lost, no more
  area->map_budget = -1;
  uint64_t phys = pmm_core_alloc(pmm);
  assert_true(phys >= 4 * GIB && phys < 4 * GIB + 3 * PAGE);
  assert_int_equal(pmm_core_free(pmm, phys), PMM_OK);
  free(many);
}

static void
test_init_errors(void **state)
{
  (void)state;
  struct pmm_ops ops = {area, host_map, host_mapped};
  enum pmm_status status;
  const struct mem_range with_zero[] = {{0, 4 * MIB}};
  const struct mem_range huge[] = {{2 * MIB, 4096 * GIB}};

  assert_null(pmm_core_init((uintptr_t)area->base, AREA_SIZE, &ops, with_zero,
                            1, &status));
  assert_int_equal(status, PMM_ERR_NOT_RAM);
  assert_null(
      pmm_core_init((uintptr_t)area->base, AREA_SIZE, &ops, huge, 1, &status));
  assert_int_equal(status, PMM_ERR_AREA);
  assert_string_equal(pmm_status_name(PMM_ERR_DOUBLE_FREE), "double free");
}

static void
test_empty(void **state)
{
  (void)state;
  struct pmm *pmm = make_pmm(NULL, 0);
  assert_int_equal(pmm_core_alloc(pmm), 0);
  assert_int_equal(pmm_core_free(pmm, 4 * MIB), PMM_ERR_NOT_RAM);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_init_counts, setup, teardown),
      cmocka_unit_test_setup_teardown(test_alloc_until_empty_then_free_all,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_double_free, setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_double_free_of_a_page_that_became_storage, setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_bitmap_place_refuses_what_does_not_fit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_addresses, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lifo_reuse, setup, teardown),
      cmocka_unit_test_setup_teardown(test_interleaved, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stack_grows, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bitmap_backing_fails, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_failed_alloc_with_a_full_stack,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_init_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
  };
  return cmocka_run_group_tests_name("pmm", tests, NULL, NULL);
}
