// Host tests of the ACPI area (kernel/acpi/area.c): mapping, releasing to a
// mark, lending its top pages. "Physical memory" is a buffer of bytes whose
// values name their address; the window is ordinary memory, and the map
// callback copies physical pages into it, as the MMU would show them. After
// any sequence of requests, every pointer the area returned must still
// show the bytes of the range it was asked for.

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acpi/area.c"

#define PAGE         ACPI_AREA_PAGE_SIZE
#define WINDOW_PAGES 8
#define PHYS_BASE    0x7FE0000ULL // where the simulated firmware memory starts
#define PHYS_PAGES   64

struct sim {
  uint8_t phys[PHYS_PAGES * PAGE];
  uint8_t *window; // WINDOW_PAGES pages, page aligned
  int map_calls;
  bool refuse; // the next map call fails
  struct acpi_area area;
};

static uint8_t
phys_byte(uint64_t phys)
{
  return (uint8_t)(phys * 7 + (phys >> 12)); // differs between pages
}

static bool
sim_map(void *context, uint64_t virt, uint64_t phys, uint64_t pages)
{
  struct sim *s = context;

  assert_int_equal(virt % PAGE, 0);
  assert_int_equal(phys % PAGE, 0);
  assert_true(virt >= (uintptr_t)s->window);
  assert_true(virt + pages * PAGE <=
              (uintptr_t)s->window + s->area.pages * PAGE);
  s->map_calls++;
  if (s->refuse) {
    s->refuse = false;
    return false;
  }
  assert_true(phys >= PHYS_BASE &&
              phys + pages * PAGE <= PHYS_BASE + PHYS_PAGES * PAGE);
  memcpy((void *)(uintptr_t)virt, s->phys + (phys - PHYS_BASE), pages * PAGE);
  return true;
}

static int
setup(void **state)
{
  struct sim *s = calloc(1, sizeof(*s));
  s->window = aligned_alloc(PAGE, WINDOW_PAGES * PAGE);
  memset(s->window, 0xEE, WINDOW_PAGES * PAGE);
  for (uint64_t i = 0; i < sizeof(s->phys); i++)
    s->phys[i] = phys_byte(PHYS_BASE + i);
  s->area = (struct acpi_area){.base = (uintptr_t)s->window,
                               .pages = WINDOW_PAGES,
                               .map = sim_map,
                               .context = s};
  *state = s;
  return 0;
}

static int
teardown(void **state)
{
  struct sim *s = *state;
  free(s->window);
  free(s);
  return 0;
}

// The bytes at p are those of physical [phys, phys + length).
static void
assert_shows(const void *p, uint64_t phys, uint64_t length)
{
  assert_non_null(p);
  for (uint64_t i = 0; i < length; i++)
    assert_int_equal(((const uint8_t *)p)[i], phys_byte(phys + i));
}

static void
test_maps_a_range_at_its_offset(void **state)
{
  struct sim *s = *state;
  uint64_t phys = PHYS_BASE + 3 * PAGE + 0x123;

  const void *p = acpi_area_map(&s->area, phys, 36);
  assert_shows(p, phys, 36);
  assert_ptr_equal(p, s->window + 0x123);
  assert_int_equal(s->area.next_slot, 1);
}

static void
test_a_range_inside_a_mapping_is_reused(void **state)
{
  struct sim *s = *state;
  uint64_t phys = PHYS_BASE + 2 * PAGE + 0x800;

  const void *table = acpi_area_map(&s->area, phys, 2 * PAGE);
  const void *inside = acpi_area_map(&s->area, phys + 0x100, 0x40);
  assert_shows(inside, phys + 0x100, 0x40);
  assert_ptr_equal(inside, (const uint8_t *)table + 0x100);
  assert_int_equal(s->map_calls, 1);
  assert_int_equal(s->area.next_slot, 3);
}

static void
test_the_last_mapping_grows_in_place(void **state)
{
  struct sim *s = *state;
  uint64_t phys = PHYS_BASE + 5 * PAGE + 0xF00; // header near a page end

  const void *header = acpi_area_map(&s->area, phys, 36);
  const void *table = acpi_area_map(&s->area, phys, 3 * PAGE);
  assert_ptr_equal(header, table);
  assert_shows(table, phys, 3 * PAGE);
  assert_int_equal(s->area.count, 1);
  assert_int_equal(s->area.next_slot, 4);
}

static void
test_ranges_elsewhere_get_their_own_pages(void **state)
{
  struct sim *s = *state;
  uint64_t a = PHYS_BASE + 10 * PAGE + 8, b = PHYS_BASE + 20 * PAGE + 16;

  const void *pa = acpi_area_map(&s->area, a, 100);
  const void *pb = acpi_area_map(&s->area, b, PAGE);
  assert_shows(pa, a, 100);
  assert_shows(pb, b, PAGE);
  assert_int_equal(s->area.count, 2);
  assert_int_equal(s->area.next_slot, 3);
}

static void
test_a_range_that_does_not_fit_is_refused(void **state)
{
  struct sim *s = *state;

  assert_non_null(acpi_area_map(&s->area, PHYS_BASE, 6 * PAGE));
  assert_null(acpi_area_map(&s->area, PHYS_BASE + 30 * PAGE, 3 * PAGE));
  assert_int_equal(s->map_calls, 1); // refused before mapping anything
  assert_int_equal(s->area.next_slot, 6);
  // What still fits is still handed out.
  assert_shows(acpi_area_map(&s->area, PHYS_BASE + 30 * PAGE, 2 * PAGE),
               PHYS_BASE + 30 * PAGE, 2 * PAGE);
}

static void
test_growing_past_the_window_is_refused(void **state)
{
  struct sim *s = *state;
  uint64_t phys = PHYS_BASE + 4 * PAGE;

  const void *header = acpi_area_map(&s->area, phys, 36);
  assert_null(acpi_area_map(&s->area, phys, (WINDOW_PAGES + 1) * PAGE));
  assert_shows(header, phys, 36); // the header's mapping is kept
  assert_ptr_equal(acpi_area_map(&s->area, phys, 36), header);
}

static void
test_a_failed_map_changes_nothing(void **state)
{
  struct sim *s = *state;
  uint64_t phys = PHYS_BASE + 8 * PAGE;

  const void *header = acpi_area_map(&s->area, phys, 36);
  s->refuse = true;
  assert_null(acpi_area_map(&s->area, phys, 2 * PAGE)); // the grow fails
  assert_int_equal(s->area.count, 1);
  assert_int_equal(s->area.next_slot, 1);
  assert_ptr_equal(acpi_area_map(&s->area, phys, 36), header);
  s->refuse = true;
  assert_null(acpi_area_map(&s->area, PHYS_BASE + 40 * PAGE, 8)); // a new one
  assert_int_equal(s->area.count, 1);
  assert_int_equal(s->area.next_slot, 1);
}

static void
test_empty_and_wrapping_ranges_are_refused(void **state)
{
  struct sim *s = *state;

  assert_null(acpi_area_map(&s->area, PHYS_BASE, 0));
  assert_null(acpi_area_map(&s->area, UINT64_MAX - 100, 36));
  assert_null(acpi_area_map(&s->area, UINT64_MAX - PAGE + 1, 1));
  assert_null(acpi_area_map(&s->area, PHYS_BASE, UINT64_MAX - PHYS_BASE));
  assert_null(acpi_area_map(&s->area, 0x1000, UINT64_MAX));
  assert_int_equal(s->map_calls, 0);
}

static void
test_the_mapping_table_has_a_limit(void **state)
{
  struct sim *s = *state;

  // A window as large as the table, so only the table's size can refuse.
  free(s->window);
  s->window = aligned_alloc(PAGE, (ACPI_AREA_MAX_MAPPINGS + 1) * PAGE);
  s->area.base = (uintptr_t)s->window;
  s->area.pages = ACPI_AREA_MAX_MAPPINGS + 1;
  for (int i = 0; i < ACPI_AREA_MAX_MAPPINGS; i++)
    assert_non_null(acpi_area_map(&s->area, PHYS_BASE + 2 * i * PAGE, 8));
  assert_null(acpi_area_map(&s->area, PHYS_BASE + 2 * 40 * PAGE, 8));
}

// Many requests, an eighth of them grown as acpi.c grows a header's mapping:
// whatever was returned keeps showing its range, and the area never hands
// out pages past its end.
static void
test_returned_ranges_stay_readable(void **state)
{
  struct sim *s = *state;
  const void *pointers[400];
  uint64_t starts[400], lengths[400];
  int kept = 0;
  uint32_t seed = 12345;

  for (int i = 0; i < 400; i++) {
    seed = seed * 1103515245 + 12345; // a fixed pseudo-random sequence
    uint64_t phys = PHYS_BASE + (seed >> 8) % ((PHYS_PAGES - 4) * PAGE);
    uint64_t length = 1 + (seed >> 3) % (2 * PAGE);
    const void *p = acpi_area_map(&s->area, phys, length);
    if (p && (seed & 0x70) == 0) {
      length += PAGE;
      p = acpi_area_map(&s->area, phys, length); // grow it
    }
    if (p) {
      pointers[kept] = p;
      starts[kept] = phys;
      lengths[kept++] = length;
    }
    assert_true(s->area.next_slot <= WINDOW_PAGES);
  }
  assert_true(kept > 0);
  for (int i = 0; i < kept; i++)
    assert_shows(pointers[i], starts[i], lengths[i]);
}

// Releasing to a mark hands the pages mapped since back: the next table
// gets them, what was mapped before the mark stays, and the peak is kept.
static void
test_release_hands_pages_back(void **state)
{
  struct sim *s = *state;
  uint64_t kept = PHYS_BASE + 2 * PAGE + 0x10;

  const void *root = acpi_area_map(&s->area, kept, 100);
  unsigned mark = acpi_area_mark(&s->area);
  assert_non_null(acpi_area_map(&s->area, PHYS_BASE + 10 * PAGE, 3 * PAGE));
  assert_int_equal(s->area.next_slot, 4);
  acpi_area_release(&s->area, mark);
  assert_int_equal(s->area.next_slot, 1);
  assert_int_equal(s->area.peak, 4);
  // The released pages go to the next table; the kept one still shows.
  const void *next = acpi_area_map(&s->area, PHYS_BASE + 20 * PAGE, 5 * PAGE);
  assert_ptr_equal(next, s->window + PAGE);
  assert_shows(next, PHYS_BASE + 20 * PAGE, 5 * PAGE);
  assert_shows(root, kept, 100);
  // A mark at or above the top releases nothing.
  acpi_area_release(&s->area, 5);
  assert_int_equal(s->area.next_slot, 6);
  acpi_area_release(&s->area, 0);
  assert_int_equal(s->area.next_slot, 0);
  assert_int_equal(s->area.count, 0);
}

// Pages taken off the top are refused to tables and never taken while in
// use; the window is never emptied.
static void
test_take_top(void **state)
{
  struct sim *s = *state;

  assert_non_null(acpi_area_map(&s->area, PHYS_BASE, 6 * PAGE));
  assert_int_equal(acpi_area_take_top(&s->area, 3), 0); // pages 5.. in use
  assert_int_equal(acpi_area_take_top(&s->area, WINDOW_PAGES), 0);
  assert_int_equal(acpi_area_take_top(&s->area, 0), 0);
  uint64_t top = acpi_area_take_top(&s->area, 1);
  assert_int_equal(top, (uintptr_t)s->window + 7 * PAGE);
  assert_int_equal(s->area.pages, 7);
  assert_null(acpi_area_map(&s->area, PHYS_BASE + 20 * PAGE, 2 * PAGE));
  assert_non_null(acpi_area_map(&s->area, PHYS_BASE + 20 * PAGE, PAGE));
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_maps_a_range_at_its_offset, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_a_range_inside_a_mapping_is_reused,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_the_last_mapping_grows_in_place,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_ranges_elsewhere_get_their_own_pages,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_range_that_does_not_fit_is_refused,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_growing_past_the_window_is_refused,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_failed_map_changes_nothing, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(
          test_empty_and_wrapping_ranges_are_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_the_mapping_table_has_a_limit, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_returned_ranges_stay_readable, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_release_hands_pages_back, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_take_top, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
