// Host tests of the UEFI loader's pure parts: the memory-map conversion
// (boot/uefi/memmap.c) and the boot page tables (boot/uefi/tables.c).

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "uefi/memmap.c"
#include "uefi/tables.c"

#define PAGE    4096ULL
#define MIB     0x100000ULL
#define GIB     0x40000000ULL
#define MAX_OUT 8
// OVMF hands out 48-byte descriptors, larger than the 40-byte struct: the
// conversion must step by the stride it is given.
#define STRIDE 48

static uint8_t map[32 * STRIDE];
static size_t map_entries;

static void
add(uint32_t type, uint64_t base, uint64_t bytes)
{
  struct efi_memory_descriptor d = {type, 0, base, 0, bytes / PAGE, 0};
  memset(map + map_entries * STRIDE, 0xA5, STRIDE); // padding is not read
  memcpy(map + map_entries * STRIDE, &d, sizeof(d));
  map_entries++;
}

static size_t
convert(struct e820_entry *out, size_t max, uint32_t *lost)
{
  return memmap_to_e820(map, map_entries * STRIDE, STRIDE, out, max, lost);
}

static int
reset(void **state)
{
  (void)state;
  map_entries = 0;
  return 0;
}

static void
test_types_as_linux_converts_them(void **state)
{
  (void)state;
  assert_int_equal(memmap_e820_type(EFI_CONVENTIONAL_MEMORY), E820_TYPE_USABLE);
  assert_int_equal(memmap_e820_type(EFI_LOADER_CODE), E820_TYPE_USABLE);
  assert_int_equal(memmap_e820_type(EFI_LOADER_DATA), E820_TYPE_USABLE);
  assert_int_equal(memmap_e820_type(EFI_BOOT_SERVICES_CODE), E820_TYPE_USABLE);
  assert_int_equal(memmap_e820_type(EFI_BOOT_SERVICES_DATA), E820_TYPE_USABLE);
  assert_int_equal(memmap_e820_type(EFI_ACPI_RECLAIM_MEMORY),
                   E820_TYPE_ACPI_RECLAIM);
  assert_int_equal(memmap_e820_type(EFI_ACPI_MEMORY_NVS), E820_TYPE_ACPI_NVS);
  assert_int_equal(memmap_e820_type(EFI_UNUSABLE_MEMORY), E820_TYPE_BAD);
  assert_int_equal(memmap_e820_type(EFI_RUNTIME_SERVICES_CODE),
                   E820_TYPE_RESERVED);
  assert_int_equal(memmap_e820_type(EFI_RUNTIME_SERVICES_DATA),
                   E820_TYPE_RESERVED);
  assert_int_equal(memmap_e820_type(EFI_MEMORY_MAPPED_IO), E820_TYPE_RESERVED);
  assert_int_equal(memmap_e820_type(EFI_MEMORY_MAPPED_IO_PORT_SPACE),
                   E820_TYPE_RESERVED);
  assert_int_equal(memmap_e820_type(EFI_RESERVED_MEMORY_TYPE),
                   E820_TYPE_RESERVED);
  assert_int_equal(memmap_e820_type(EFI_PAL_CODE), E820_TYPE_RESERVED);
  assert_int_equal(memmap_e820_type(EFI_UNACCEPTED_MEMORY), E820_TYPE_RESERVED);
  assert_int_equal(memmap_e820_type(0x80000000), E820_TYPE_RESERVED); // OEM
}

static void
test_touching_same_type_joins(void **state)
{
  (void)state;
  add(EFI_CONVENTIONAL_MEMORY, 0, 640 * 1024);
  add(EFI_CONVENTIONAL_MEMORY, 1 * MIB, 1 * MIB);
  add(EFI_BOOT_SERVICES_DATA, 2 * MIB, 1 * MIB); // usable too: joins
  add(EFI_LOADER_CODE, 3 * MIB, 1 * MIB);
  add(EFI_ACPI_MEMORY_NVS, 4 * MIB, 64 * 1024);
  add(EFI_CONVENTIONAL_MEMORY, 4 * MIB + 64 * 1024, 1 * MIB);
  struct e820_entry out[MAX_OUT];
  uint32_t lost;
  assert_int_equal(convert(out, MAX_OUT, &lost), 4);
  assert_int_equal(lost, 0);
  assert_int_equal(out[0].base, 0);
  assert_int_equal(out[0].length, 640 * 1024);
  assert_int_equal(out[1].base, 1 * MIB); // not touching 640 KiB: apart
  assert_int_equal(out[1].length, 3 * MIB);
  assert_int_equal(out[1].type, E820_TYPE_USABLE);
  assert_int_equal(out[1].attributes, 1);
  assert_int_equal(out[2].type, E820_TYPE_ACPI_NVS);
  assert_int_equal(out[2].length, 64 * 1024);
  assert_int_equal(out[3].base, 4 * MIB + 64 * 1024);
}

static void
test_different_types_stay_apart(void **state)
{
  (void)state;
  add(EFI_ACPI_RECLAIM_MEMORY, 0x7F000000, 16 * PAGE);
  add(EFI_ACPI_MEMORY_NVS, 0x7F010000, 16 * PAGE);
  add(EFI_RUNTIME_SERVICES_DATA, 0x7F020000, 16 * PAGE);
  add(EFI_MEMORY_MAPPED_IO, 0x7F030000, 16 * PAGE); // reserved like runtime
  struct e820_entry out[MAX_OUT];
  uint32_t lost;
  assert_int_equal(convert(out, MAX_OUT, &lost), 3);
  assert_int_equal(out[0].type, E820_TYPE_ACPI_RECLAIM);
  assert_int_equal(out[1].type, E820_TYPE_ACPI_NVS);
  assert_int_equal(out[2].type, E820_TYPE_RESERVED);
  assert_int_equal(out[2].length, 32 * PAGE);
}

static void
test_above_4gib_and_empty_descriptors(void **state)
{
  (void)state;
  add(EFI_CONVENTIONAL_MEMORY, 4 * GIB, 0); // zero pages: skipped
  add(EFI_CONVENTIONAL_MEMORY, 4 * GIB, 12 * GIB);
  struct e820_entry out[MAX_OUT];
  uint32_t lost;
  assert_int_equal(convert(out, MAX_OUT, &lost), 1);
  assert_int_equal(out[0].base, 4 * GIB);
  assert_int_equal(out[0].length, 12 * GIB);
}

static void
test_more_entries_than_fit_are_counted(void **state)
{
  (void)state;
  for (int i = 0; i < 6; i++) // alternating types never join
    add(i % 2 ? EFI_ACPI_MEMORY_NVS : EFI_CONVENTIONAL_MEMORY, i * MIB, MIB);
  struct e820_entry out[MAX_OUT];
  uint32_t lost;
  assert_int_equal(convert(out, 4, &lost), 4);
  assert_int_equal(lost, 2);
  assert_int_equal(out[3].base, 3 * MIB);
}

static void
test_stride_smaller_than_descriptor_is_refused(void **state)
{
  (void)state;
  add(EFI_CONVENTIONAL_MEMORY, 0, MIB);
  struct e820_entry out[MAX_OUT];
  uint32_t lost = 7;
  assert_int_equal(memmap_to_e820(map, STRIDE, 8, out, MAX_OUT, &lost), 0);
  assert_int_equal(lost, 0);
}

static void
test_partial_trailing_descriptor_ignored(void **state)
{
  (void)state;
  add(EFI_CONVENTIONAL_MEMORY, 0, MIB);
  add(EFI_ACPI_MEMORY_NVS, MIB, MIB);
  struct e820_entry out[MAX_OUT];
  uint32_t lost;
  assert_int_equal(
      memmap_to_e820(map, 2 * STRIDE - 1, STRIDE, out, MAX_OUT, &lost), 1);
}

// The tables map the same physical page at virtual 0 and at the kernel
// base, as stage2's do.
static uint64_t
walk(uint64_t (*tables)[TABLES_ENTRIES], uint64_t tables_phys, uint64_t va)
{
  uint64_t entry = tables[0][(va >> 39) & 511];
  for (int shift = 30; shift >= 12; shift -= 9) {
    if (!(entry & PTE_PRESENT))
      return ~0ULL;
    uint64_t index = (entry & ~0xFFFULL) - tables_phys;
    entry = tables[index / TABLES_PAGE_SIZE][(va >> shift) & 511];
  }
  return (entry & PTE_PRESENT) ? (entry & ~0xFFFULL) | (va & 0xFFF) : ~0ULL;
}

static void
test_tables_map_low_2mib_twice(void **state)
{
  (void)state;
  static uint64_t tables[4][TABLES_ENTRIES];
  const uint64_t phys = 0x9C000, base = 0xFFFFFFFF80000000ULL;
  memset(tables, 0, sizeof(tables));
  tables_build(tables, phys, base);
  for (uint64_t pa = 0; pa < 2 * MIB; pa += 0x1F123) {
    assert_int_equal(walk(tables, phys, pa), pa);
    assert_int_equal(walk(tables, phys, base + pa), pa);
  }
  assert_int_equal(walk(tables, phys, 2 * MIB), ~0ULL);
  assert_int_equal(walk(tables, phys, base + 2 * MIB), ~0ULL);
  assert_true(tables[0][511] & PTE_WRITABLE);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_types_as_linux_converts_them),
      cmocka_unit_test_setup(test_touching_same_type_joins, reset),
      cmocka_unit_test_setup(test_different_types_stay_apart, reset),
      cmocka_unit_test_setup(test_above_4gib_and_empty_descriptors, reset),
      cmocka_unit_test_setup(test_more_entries_than_fit_are_counted, reset),
      cmocka_unit_test_setup(test_stride_smaller_than_descriptor_is_refused,
                             reset),
      cmocka_unit_test_setup(test_partial_trailing_descriptor_ignored, reset),
      cmocka_unit_test(test_tables_map_low_2mib_twice),
  };
  return cmocka_run_group_tests_name("uefi", tests, NULL, NULL);
}
