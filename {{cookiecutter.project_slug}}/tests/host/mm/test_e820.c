// Host tests of the E820 sanitiser (kernel/e820.c).

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mm/e820.c"

#define MIB     0x100000ULL
#define GIB     0x40000000ULL
#define PAGE    E820_PAGE_SIZE
#define MAX_OUT 16
#define VALID   1 // ACPI 3.0 attribute bit 0: the entry counts

static struct e820_entry
entry(uint64_t base, uint64_t length, uint32_t type)
{
  return (struct e820_entry){base, length, type, VALID};
}

static size_t
run(const struct e820_entry *in, size_t n, struct mem_range *out)
{
  return e820_sanitise(in, n, NULL, 0, out, MAX_OUT, NULL);
}

static void
test_overlapping_reserved_wins(void **state)
{
  (void)state;
  struct e820_entry in[] = {
      entry(1 * MIB, 7 * MIB, E820_TYPE_USABLE),
      entry(4 * MIB, 1 * MIB, E820_TYPE_RESERVED),
  };
  struct mem_range out[MAX_OUT];
  assert_int_equal(run(in, 2, out), 2);
  assert_int_equal(out[0].base, 1 * MIB);
  assert_int_equal(out[0].end, 4 * MIB);
  assert_int_equal(out[1].base, 5 * MIB);
  assert_int_equal(out[1].end, 8 * MIB);
}

static void
test_overlapping_usable_merge(void **state)
{
  (void)state;
  struct e820_entry in[] = {
      entry(2 * MIB, 4 * MIB, E820_TYPE_USABLE),
      entry(1 * MIB, 2 * MIB, E820_TYPE_USABLE),
      entry(5 * MIB, 5 * MIB, E820_TYPE_USABLE),
  };
  struct mem_range out[MAX_OUT];
  assert_int_equal(run(in, 3, out), 1);
  assert_int_equal(out[0].base, 1 * MIB);
  assert_int_equal(out[0].end, 10 * MIB);
}

static void
test_unsorted_comes_out_sorted(void **state)
{
  (void)state;
  struct e820_entry in[] = {
      entry(64 * MIB, MIB, E820_TYPE_USABLE),
      entry(16 * MIB, MIB, E820_TYPE_USABLE),
      entry(32 * MIB, MIB, E820_TYPE_USABLE),
      entry(8 * MIB, MIB, E820_TYPE_USABLE),
  };
  struct mem_range out[MAX_OUT];
  assert_int_equal(run(in, 4, out), 4);
  for (int i = 1; i < 4; i++)
    assert_true(out[i - 1].end < out[i].base);
  assert_int_equal(out[0].base, 8 * MIB);
  assert_int_equal(out[3].base, 64 * MIB);
}

static void
test_zero_length_dropped(void **state)
{
  (void)state;
  struct e820_entry in[] = {
      entry(1 * MIB, 0, E820_TYPE_USABLE),
      entry(2 * MIB, MIB, E820_TYPE_USABLE),
      entry(2 * MIB, 0, E820_TYPE_RESERVED), // must not cut anything
  };
  struct mem_range out[MAX_OUT];
  assert_int_equal(run(in, 3, out), 1);
  assert_int_equal(out[0].base, 2 * MIB);
  assert_int_equal(out[0].end, 3 * MIB);
}

static void
test_above_4gib(void **state)
{
  (void)state;
  struct e820_entry in[] = {
      entry(1 * MIB, 3 * GIB - MIB, E820_TYPE_USABLE),
      entry(3 * GIB, GIB, E820_TYPE_RESERVED),
      entry(4 * GIB, 5 * GIB, E820_TYPE_USABLE),
      entry(0xFD00000000ULL, 0x300000000ULL, E820_TYPE_RESERVED),
  };
  struct mem_range out[MAX_OUT];
  assert_int_equal(run(in, 4, out), 2);
  assert_int_equal(out[1].base, 4 * GIB);
  assert_int_equal(out[1].end, 9 * GIB);
  assert_int_equal(mem_ranges_bytes(out, 2), 8 * GIB - MIB);
}

static void
test_adjacent_merge(void **state)
{
  (void)state;
  struct e820_entry in[] = {
      entry(2 * MIB, MIB, E820_TYPE_USABLE),
      entry(3 * MIB, MIB, E820_TYPE_USABLE),
  };
  struct mem_range out[MAX_OUT];
  assert_int_equal(run(in, 2, out), 1);
  assert_int_equal(out[0].end, 4 * MIB);
}

static void
test_acpi_reclaimable_not_usable(void **state)
{
  (void)state;
  struct e820_entry in[] = {
      entry(1 * MIB, 15 * MIB, E820_TYPE_USABLE),
      entry(15 * MIB, MIB, E820_TYPE_ACPI_RECLAIM),
      entry(8 * MIB, MIB, E820_TYPE_ACPI_NVS),
      entry(20 * MIB, MIB, E820_TYPE_ACPI_RECLAIM),
  };
  struct mem_range out[MAX_OUT];
  assert_int_equal(run(in, 4, out), 2);
  assert_int_equal(out[0].end, 8 * MIB);
  assert_int_equal(out[1].base, 9 * MIB);
  assert_int_equal(out[1].end, 15 * MIB);
}

static void
test_unknown_type_is_reserved(void **state)
{
  (void)state;
  struct e820_entry in[] = {
      entry(1 * MIB, 7 * MIB, E820_TYPE_USABLE),
      entry(2 * MIB, MIB, 12), // unknown: treated as reserved
  };
  struct mem_range out[MAX_OUT];
  assert_int_equal(run(in, 2, out), 2);
  assert_int_equal(out[0].end, 2 * MIB);
  assert_int_equal(out[1].base, 3 * MIB);
  assert_int_equal(out[1].end, 8 * MIB);
}

// Some BIOSes return the ACPI 3.0 attribute word with bit 0 ("valid")
// clear on every entry; Linux ignores the field, and so does e820_sanitise:
// such a machine still has its RAM, and its reserved ranges still count.
static void
test_attribute_bit_ignored(void **state)
{
  (void)state;
  struct e820_entry in[] = {
      {0, 0x9FC00, E820_TYPE_USABLE, 0},
      {1 * MIB, 127 * MIB, E820_TYPE_USABLE, 0},
      {4 * MIB, 1 * MIB, E820_TYPE_RESERVED, 0},
      {16 * MIB, MIB, E820_TYPE_USABLE, 2}, // bit 1 (non-volatile) only
  };
  struct mem_range out[MAX_OUT];
  assert_int_equal(run(in, 4, out), 3);
  assert_int_equal(out[0].base, 0);
  assert_int_equal(out[0].end, 0x9F000);
  assert_int_equal(out[1].base, 1 * MIB);
  assert_int_equal(out[1].end, 4 * MIB);
  assert_int_equal(out[2].base, 5 * MIB);
  assert_int_equal(out[2].end, 128 * MIB);
}

static void
test_page_aligned_inward(void **state)
{
  (void)state;
  struct e820_entry in[] = {
      entry(0x100001, 0x3000, E820_TYPE_USABLE), // [0x100001, 0x103001)
      entry(0x200000, 0xFFF, E820_TYPE_USABLE),  // less than a page
      entry(0x300000, 0x2000, E820_TYPE_USABLE),
      entry(0x300800, 0x10, E820_TYPE_RESERVED), // spoils the first page
  };
  struct mem_range out[MAX_OUT];
  assert_int_equal(run(in, 4, out), 2);
  assert_int_equal(out[0].base, 0x101000);
  assert_int_equal(out[0].end, 0x103000);
  assert_int_equal(out[1].base, 0x301000);
  assert_int_equal(out[1].end, 0x302000);
}

static void
test_exclusions(void **state)
{
  (void)state;
  struct e820_entry in[] = {
      entry(0, 0x9FC00, E820_TYPE_USABLE),
      entry(1 * MIB, 127 * MIB, E820_TYPE_USABLE),
  };
  struct mem_range exclude[] = {{0, 2 * MIB}, {64 * MIB, 64 * MIB + PAGE}};
  struct mem_range out[MAX_OUT];
  size_t n = e820_sanitise(in, 2, exclude, 2, out, MAX_OUT, NULL);
  assert_int_equal(n, 2);
  assert_int_equal(out[0].base, 2 * MIB);
  assert_int_equal(out[0].end, 64 * MIB);
  assert_int_equal(out[1].base, 64 * MIB + PAGE);
}

static void
test_more_entries_than_fit(void **state)
{
  (void)state;
  struct e820_entry in[10];
  for (int i = 0; i < 10; i++)
    in[i] = entry((uint64_t)(i + 1) * 4 * MIB, MIB, E820_TYPE_USABLE);
  struct mem_range *out = test_malloc(4 * sizeof(*out)); // ASan sees overruns
  struct e820_lost lost;
  size_t n = e820_sanitise(in, 10, NULL, 0, out, 4, &lost);
  assert_int_equal(n, 4);
  assert_int_equal(lost.ranges, 6);
  assert_int_equal(lost.bytes, 6 * MIB);
  for (size_t i = 1; i < n; i++)
    assert_true(out[i - 1].end < out[i].base);
  test_free(out);
}

static void
test_split_when_full_keeps_larger(void **state)
{
  (void)state;
  struct e820_entry in[] = {
      entry(2 * MIB, 10 * MIB, E820_TYPE_USABLE),
      entry(3 * MIB, MIB, E820_TYPE_RESERVED), // [2,3) and [4,12): keep [4,12)
  };
  struct mem_range out[1];
  struct e820_lost lost;
  assert_int_equal(e820_sanitise(in, 2, NULL, 0, out, 1, &lost), 1);
  assert_int_equal(out[0].base, 4 * MIB);
  assert_int_equal(out[0].end, 12 * MIB);
  assert_int_equal(lost.bytes, MIB);
}

static void
test_top_of_address_space(void **state)
{
  (void)state;
  struct e820_entry in[] = {
      entry(UINT64_MAX - 3 * PAGE, 16 * PAGE, E820_TYPE_USABLE), // wraps
  };
  struct mem_range out[MAX_OUT];
  size_t n = run(in, 1, out);
  assert_int_equal(n, 1);
  assert_true(out[0].base < out[0].end);
  assert_int_equal(out[0].end % PAGE, 0);
}

// Found by tests/fuzz/fuzz_e820.c: an empty exclusion split the range it
// lay in, and an inverted one (end below base) made two overlapping ranges,
// so the PMM would have handed out the pages between end and base twice.
static void
test_empty_or_inverted_exclusion_cuts_nothing(void **state)
{
  (void)state;
  struct e820_entry in[] = {
      entry(4 * MIB, 60 * MIB, E820_TYPE_USABLE),
  };
  struct mem_range exclude[] = {
      {16 * MIB + 0x800, 16 * MIB + 0x800}, // empty, inside a page
      {32 * MIB, 32 * MIB},                 // empty, on a page boundary
      {48 * MIB, 40 * MIB},                 // inverted
  };
  struct mem_range out[MAX_OUT];
  for (size_t i = 0; i < 3; i++) {
    assert_int_equal(e820_sanitise(in, 1, &exclude[i], 1, out, MAX_OUT, NULL),
                     1);
    assert_int_equal(out[0].base, 4 * MIB);
    assert_int_equal(out[0].end, 64 * MIB);
  }
}

static void
test_empty_map(void **state)
{
  (void)state;
  struct mem_range out[MAX_OUT];
  assert_int_equal(run(NULL, 0, out), 0);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_overlapping_reserved_wins),
      cmocka_unit_test(test_overlapping_usable_merge),
      cmocka_unit_test(test_unsorted_comes_out_sorted),
      cmocka_unit_test(test_zero_length_dropped),
      cmocka_unit_test(test_above_4gib),
      cmocka_unit_test(test_adjacent_merge),
      cmocka_unit_test(test_acpi_reclaimable_not_usable),
      cmocka_unit_test(test_unknown_type_is_reserved),
      cmocka_unit_test(test_attribute_bit_ignored),
      cmocka_unit_test(test_page_aligned_inward),
      cmocka_unit_test(test_exclusions),
      cmocka_unit_test(test_more_entries_than_fit),
      cmocka_unit_test(test_split_when_full_keeps_larger),
      cmocka_unit_test(test_top_of_address_space),
      cmocka_unit_test(test_empty_map),
      cmocka_unit_test(test_empty_or_inverted_exclusion_cuts_nothing),
  };
  return cmocka_run_group_tests_name("e820", tests, NULL, NULL);
}
