// Host tests of the ACPI parser (kernel/acpi/acpi.c) running through the
// kernel's ACPI area (kernel/acpi/area.c) with the default window of 8
// pages, on firmware layouts seen on real machines: many tables, each on a
// page of its own, large tables, the MADT listed last. "Physical memory" is
// a buffer; the area's map callback copies physical pages into the window,
// as the MMU would show them, so a pointer the parser keeps after its pages
// were handed to another table shows the wrong bytes.

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../log_capture.h"

#include "acpi/acpi.c"
#include "acpi/area.c"
#include "acpi/hpet.c"
#include "acpi/madt.c"

#define PAGE         ACPI_AREA_PAGE_SIZE
#define WINDOW_PAGES 8 // the default acpi_area_pages
#define PHYS_BASE    0x7F00000ull
#define PHYS_PAGES   96
#define TABLES       40
#define BIG_TABLE    (64 * 1024)

struct sim {
  uint8_t phys[PHYS_PAGES * PAGE];
  uint8_t *window;
  struct acpi_area area;
  struct acpi_mapper mapper;
};

static bool
sim_map(void *context, uint64_t virt, uint64_t phys, uint64_t pages)
{
  struct sim *s = context;

  assert_true(virt >= (uintptr_t)s->window &&
              virt + pages * PAGE <=
                  (uintptr_t)s->window + WINDOW_PAGES * PAGE);
  if (phys < PHYS_BASE || phys + pages * PAGE > PHYS_BASE + sizeof(s->phys))
    return false; // no memory there
  memcpy((void *)(uintptr_t)virt, s->phys + (phys - PHYS_BASE), pages * PAGE);
  return true;
}

static int
setup(void **state)
{
  struct sim *s = calloc(1, sizeof(*s));
  s->window = aligned_alloc(PAGE, WINDOW_PAGES * PAGE);
  memset(s->window, 0xEE, WINDOW_PAGES * PAGE);
  s->area = (struct acpi_area){.base = (uintptr_t)s->window,
                               .pages = WINDOW_PAGES,
                               .map = sim_map,
                               .context = s};
  s->mapper = (struct acpi_mapper){acpi_area_map, &s->area, acpi_area_mark,
                                   acpi_area_release};
  log_text[0] = '\0';
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

static uint64_t
phys_of(uint64_t page, uint64_t offset)
{
  return PHYS_BASE + page * PAGE + offset;
}

static uint8_t *
at(struct sim *s, uint64_t phys)
{
  return s->phys + (phys - PHYS_BASE);
}

// A table of `length` bytes at phys: header, `body` if any, then a
// byte pattern, checksummed.
static void
put_table(struct sim *s, uint64_t phys, const char *signature, uint32_t length,
          uint8_t revision, const void *body, size_t size)
{
  uint8_t *t = at(s, phys);
  struct acpi_sdt_header h = {.length = length, .revision = revision};

  memcpy(h.signature, signature, 4);
  memcpy(h.oem_id, "HOSTTS", 6);
  for (uint32_t i = sizeof(h); i < length; i++)
    t[i] = (uint8_t)(i * 13);
  memcpy(t, &h, sizeof(h));
  if (body)
    memcpy(t + sizeof(h), body, size);
  t[9] = 0;
  t[9] = (uint8_t)(0x100 - acpi_checksum(t, length));
}

static void
put_madt(struct sim *s, uint64_t phys, int cpus)
{
  uint8_t body[8 + 8 * 16] = {0};
  size_t size = 8;

  memcpy(body, &(uint32_t){0xFEE00000}, 4);
  body[4] = 1; // PC-AT compatible
  for (int i = 0; i < cpus; i++, size += 8) {
    uint8_t entry[8] = {0, 8, (uint8_t)i, (uint8_t)i, 1, 0, 0, 0};
    memcpy(body + size, entry, 8);
  }
  put_table(s, phys, "APIC", (uint32_t)(36 + size), 4, body, size);
}

static void
put_hpet(struct sim *s, uint64_t phys, uint64_t address)
{
  uint8_t body[20] = {0};

  memcpy(body, &(uint32_t){0x8086A201}, 4); // event timer block id
  body[4] = 0;                              // GAS: system memory
  body[5] = 64;
  memcpy(body + 8, &address, 8);
  body[17] = 0x80; // minimum tick 128
  put_table(s, phys, "HPET", 56, 1, body, sizeof(body));
}

static void
put_xsdt(struct sim *s, uint64_t phys, const uint64_t *entries, int count)
{
  uint8_t body[TABLES * 8];

  for (int i = 0; i < count; i++)
    memcpy(body + i * 8, &entries[i], 8);
  put_table(s, phys, "XSDT", (uint32_t)(36 + count * 8), 1, body,
            (size_t)count * 8);
}

static struct acpi_rsdp
rsdp_for(uint64_t xsdt)
{
  struct acpi_rsdp r = {
      .revision = 2, .length = sizeof(r), .xsdt_address = xsdt};
  memcpy(r.signature, "RSD PTR ", 8);
  return r; // acpi_parse trusts its caller to have checked the RSDP
}

// The layout of the issue: an XSDT of 40 tables, each on a page of its own,
// the FADT first and the HPET table second, a 64 KiB table 39th (17 pages,
// as it starts mid-page) and the MADT last.
static uint64_t
put_many_tables(struct sim *s)
{
  uint64_t entries[TABLES];
  char name[5];

  put_table(s, phys_of(1, 0x40), "FACP", 276, 6, NULL, 0);
  entries[0] = phys_of(1, 0x40);
  put_hpet(s, phys_of(2, 0x80), 0xFED00000);
  entries[1] = phys_of(2, 0x80);
  for (int i = 2; i < TABLES - 2; i++) {
    snprintf(name, sizeof(name), "T%03d", i);
    entries[i] = phys_of((uint64_t)i + 1, (uint64_t)(i * 0x40) % 0xC00);
    put_table(s, entries[i], name, 0x200 + (uint32_t)i, 1, NULL, 0);
  }
  entries[TABLES - 2] = phys_of(40, 0x100);
  put_table(s, entries[TABLES - 2], "SSDT", BIG_TABLE, 2, NULL, 0);
  entries[TABLES - 1] = phys_of(60, 0x20);
  put_madt(s, entries[TABLES - 1], 4);
  put_xsdt(s, phys_of(0, 0), entries, TABLES);
  return phys_of(0, 0);
}

static void
test_forty_tables_on_their_own_pages(void **state)
{
  struct sim *s = *state;
  struct acpi_info info;
  struct acpi_rsdp r = rsdp_for(put_many_tables(s));

  assert_true(acpi_parse(&s->mapper, &r, &info));
  assert_int_equal(info.table_count, TABLES);
  assert_int_equal(info.valid_count, TABLES);
  assert_null(strstr(log_text, "skipped"));
  assert_null(strstr(log_text, "????"));
  assert_non_null(strstr(log_text, "SSDT at 0x7f28100, 65536 bytes\n"));
  // The MADT, listed last, is found and parsed.
  assert_true(info.madt_found);
  assert_int_equal(info.madt.cpus, 4);
  assert_int_equal(info.madt.lapic_address, 0xFEE00000);
  // The three tables the kernel uses are still mapped and show their bytes.
  assert_non_null(info.fadt_table);
  assert_memory_equal(info.fadt_table, at(s, phys_of(1, 0x40)), 276);
  assert_non_null(info.madt_table);
  assert_memory_equal(info.madt_table, at(s, phys_of(60, 0x20)),
                      info.madt_table->length);
  assert_true(info.hpet_found);
  assert_int_equal(info.hpet.address, 0xFED00000);
  assert_true(info.hpet.address_in_memory);
  assert_memory_equal(info.hpet_table, at(s, phys_of(2, 0x80)), 56);
  // Root, FADT, HPET table and MADT keep a page each; checking needs one
  // or two more at a time.
  assert_int_equal(s->area.next_slot, 4);
  assert_true(s->area.peak <= 6);
}

// A table that changes between the reads of its header and its body is
// refused, also when it is read in pieces.
static void
test_big_table_checked_in_pieces(void **state)
{
  struct sim *s = *state;
  struct acpi_table record;

  put_table(s, phys_of(40, 0x100), "SSDT", BIG_TABLE, 2, NULL, 0);
  assert_int_equal(
      acpi_table_check(&s->mapper, phys_of(40, 0x100), "SSDT", &record),
      ACPI_OK);
  assert_int_equal(s->area.next_slot, 0); // nothing kept
  assert_true(s->area.peak <= 2);
  at(s, phys_of(50, 0))[7] ^= 0x40; // a byte in the 11th page
  assert_int_equal(
      acpi_table_check(&s->mapper, phys_of(40, 0x100), "SSDT", &record),
      ACPI_BAD_CHECKSUM);
  // Valid, but too large to keep mapped in an 8-page window.
  at(s, phys_of(50, 0))[7] ^= 0x40;
  const struct acpi_sdt_header *table = NULL;
  assert_int_equal(
      acpi_table_map(&s->mapper, phys_of(40, 0x100), "SSDT", &record, &table),
      ACPI_UNMAPPABLE);
  assert_null(table);
}

// A MADT too large to keep is still named in the log, and the next one
// (firmware that lists two) is used.
static void
test_unkeepable_madt_is_named(void **state)
{
  struct sim *s = *state;
  struct acpi_info info;
  uint64_t entries[2] = {phys_of(10, 0), phys_of(60, 0)};

  put_table(s, entries[0], "APIC", 9 * PAGE, 4, NULL, 0);
  put_madt(s, entries[1], 2);
  put_xsdt(s, phys_of(0, 0), entries, 2);
  struct acpi_rsdp r = rsdp_for(phys_of(0, 0));

  assert_true(acpi_parse(&s->mapper, &r, &info));
  assert_int_equal(info.valid_count, 2);
  assert_non_null(strstr(
      log_text, "APIC: valid, but does not fit the ACPI area to keep mapped"));
  assert_true(info.madt_found);
  assert_int_equal(info.madt.cpus, 2);
}

// When even a header cannot be mapped, the line names the entry by its
// place in the root table and its address.
static void
test_unreadable_header_names_its_entry(void **state)
{
  struct sim *s = *state;
  struct acpi_info info;
  uint64_t entries[3] = {phys_of(5, 0), 0xFFFFF000ull, phys_of(60, 0)};

  put_table(s, entries[0], "FACP", 276, 6, NULL, 0);
  put_madt(s, entries[2], 1);
  put_xsdt(s, phys_of(0, 0), entries, 3);
  struct acpi_rsdp r = rsdp_for(phys_of(0, 0));

  assert_true(acpi_parse(&s->mapper, &r, &info));
  assert_int_equal(info.valid_count, 2);
  assert_null(strstr(log_text, "????"));
  assert_non_null(strstr(log_text, "entry 1 at 0xfffff000: header unreadable "
                                   "(does not fit the ACPI area), skipped"));
  assert_true(info.madt_found);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_forty_tables_on_their_own_pages,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_big_table_checked_in_pieces, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_unkeepable_madt_is_named, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_unreadable_header_names_its_entry,
                                      setup, teardown),
  };
  return cmocka_run_group_tests_name("acpi_window", tests, NULL, NULL);
}
