// Host tests of the ACPI parser (kernel/acpi/acpi.c, kernel/acpi/madt.c) on
// table images built here: RSDPs of revision 0 and 2, RSDT and XSDT walks,
// bad checksums, impossible, truncated and oversized lengths, and MADTs
// with every entry type. The "physical memory" is one buffer; the mapper
// refuses anything outside it, or longer than a configurable limit (as the
// kernel's ACPI area does), so ASan catches any read the checks let past.

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
#include "acpi/hpet.c"
#include "acpi/madt.c"

#define MEM_BASE   0x10000u // physical address of mem[0]
#define MEM_SIZE   0x4000u
#define AT(offset) (MEM_BASE + (offset))

static uint8_t *mem;       // heap-allocated, so ASan sees its bounds
static uint64_t map_limit; // longest range the mapper accepts

static const void *
test_map(void *context, uint64_t phys, uint64_t length)
{
  (void)context;
  if (phys < MEM_BASE || length > map_limit || length > MEM_SIZE ||
      phys - MEM_BASE > MEM_SIZE - length)
    return NULL;
  return mem + (phys - MEM_BASE);
}

static const struct acpi_mapper mapper = {.map = test_map};

static int
setup(void **state)
{
  (void)state;
  mem = calloc(1, MEM_SIZE);
  map_limit = MEM_SIZE;
  log_text[0] = '\0';
  return mem ? 0 : -1;
}

static int
teardown(void **state)
{
  (void)state;
  free(mem);
  return 0;
}

// ---- image builders --------------------------------------------------------

static void
fix_checksum(uint8_t *bytes, size_t length, size_t checksum_offset)
{
  bytes[checksum_offset] = 0;
  bytes[checksum_offset] = (uint8_t)(0x100 - acpi_checksum(bytes, length));
}

static void
put_u32(uint8_t *at, uint32_t value)
{
  memcpy(at, &value, sizeof(value));
}

static void
put_u64(uint8_t *at, uint64_t value)
{
  memcpy(at, &value, sizeof(value));
}

static struct acpi_rsdp
make_rsdp(uint8_t revision, uint32_t rsdt, uint64_t xsdt)
{
  struct acpi_rsdp r;

  memset(&r, 0, sizeof(r));
  memcpy(r.signature, "RSD PTR ", 8);
  memcpy(r.oem_id, "HOSTTS", 6);
  r.revision = revision;
  r.rsdt_address = rsdt;
  if (revision >= 2) {
    r.length = sizeof(r);
    r.xsdt_address = xsdt;
    fix_checksum((uint8_t *)&r, sizeof(r),
                 offsetof(struct acpi_rsdp, extended_checksum));
  }
  fix_checksum((uint8_t *)&r, ACPI_RSDP_V1_SIZE,
               offsetof(struct acpi_rsdp, checksum));
  if (revision >= 2) // the first checksum changed the extended sum
    fix_checksum((uint8_t *)&r, sizeof(r),
                 offsetof(struct acpi_rsdp, extended_checksum));
  return r;
}

// A table at mem offset `offset` with `length` bytes (header included)
// whose body is `body` (may be NULL: zeros), checksummed.
static void
put_table(uint32_t offset, const char *signature, uint32_t length,
          const void *body, size_t body_size)
{
  uint8_t *t = mem + offset;
  struct acpi_sdt_header h;

  memset(&h, 0, sizeof(h));
  memcpy(h.signature, signature, 4);
  h.length = length;
  h.revision = 1;
  memcpy(h.oem_id, "HOSTTS", 6);
  memcpy(t, &h, sizeof(h));
  if (body)
    memcpy(t + sizeof(h), body, body_size);
  fix_checksum(t, length, offsetof(struct acpi_sdt_header, checksum));
}

static void
put_root(uint32_t offset, bool xsdt, const uint64_t *entries, int count)
{
  uint8_t body[256];
  int size = xsdt ? 8 : 4;

  for (int i = 0; i < count; i++) {
    if (xsdt)
      put_u64(body + i * size, entries[i]);
    else
      put_u32(body + i * size, (uint32_t)entries[i]);
  }
  put_table(offset, xsdt ? "XSDT" : "RSDT",
            sizeof(struct acpi_sdt_header) + count * size, body,
            (size_t)(count * size));
}

// MADT builder: fixed fields, then entries appended with madt_add.
struct madt_image {
  uint8_t body[1024];
  size_t size;
};

static void
madt_start(struct madt_image *m, uint32_t lapic_address, uint32_t flags)
{
  memset(m, 0, sizeof(*m));
  put_u32(m->body, lapic_address);
  put_u32(m->body + 4, flags);
  m->size = 8;
}

static void
madt_add(struct madt_image *m, uint8_t type, uint8_t length,
         const uint8_t *rest)
{
  m->body[m->size] = type;
  m->body[m->size + 1] = length;
  if (length > 2)
    memcpy(m->body + m->size + 2, rest, length - 2u);
  m->size += length;
}

static void
madt_lapic(struct madt_image *m, uint8_t uid, uint8_t apic_id, uint32_t flags)
{
  uint8_t rest[6] = {uid, apic_id};
  put_u32(rest + 2, flags);
  madt_add(m, 0, 8, rest);
}

static void
madt_x2apic(struct madt_image *m, uint32_t x2apic_id, uint32_t flags)
{
  uint8_t rest[14] = {0};
  put_u32(rest + 2, x2apic_id);
  put_u32(rest + 6, flags);
  put_u32(rest + 10, x2apic_id); // processor UID
  madt_add(m, 9, 16, rest);
}

static void
madt_ioapic(struct madt_image *m, uint8_t id, uint32_t address,
            uint32_t gsi_base)
{
  uint8_t rest[10] = {id, 0};
  put_u32(rest + 2, address);
  put_u32(rest + 6, gsi_base);
  madt_add(m, 1, 12, rest);
}

static void
madt_override(struct madt_image *m, uint8_t irq, uint32_t gsi, uint16_t flags)
{
  uint8_t rest[8] = {0, irq};
  put_u32(rest + 2, gsi);
  memcpy(rest + 6, &flags, 2);
  madt_add(m, 2, 10, rest);
}

static uint32_t
put_madt(uint32_t offset, const struct madt_image *m)
{
  uint32_t length = (uint32_t)(sizeof(struct acpi_sdt_header) + m->size);
  put_table(offset, "APIC", length, m->body, m->size);
  return length;
}

static const struct acpi_sdt_header *
table_at(uint32_t offset)
{
  return (const struct acpi_sdt_header *)(mem + offset);
}

// A standard two-CPU MADT at `offset`.
static void
put_simple_madt(uint32_t offset)
{
  struct madt_image m;
  madt_start(&m, 0xFEE00000, 1);
  madt_lapic(&m, 0, 0, 1);
  madt_lapic(&m, 1, 1, 1);
  madt_ioapic(&m, 0, 0xFEC00000, 0);
  madt_override(&m, 0, 2, 0);
  put_madt(offset, &m);
}

// ---- RSDP ------------------------------------------------------------------

static void
test_rsdp_revision0_valid(void **state)
{
  (void)state;
  struct acpi_rsdp r = make_rsdp(0, AT(0x100), 0);
  assert_int_equal(acpi_rsdp_check(&r, ACPI_RSDP_V1_SIZE), ACPI_OK);
}

static void
test_rsdp_revision2_valid(void **state)
{
  (void)state;
  struct acpi_rsdp r = make_rsdp(2, AT(0x100), AT(0x200));
  assert_int_equal(acpi_rsdp_check(&r, sizeof(r)), ACPI_OK);
}

static void
test_rsdp_bad_signature(void **state)
{
  (void)state;
  struct acpi_rsdp r = make_rsdp(0, AT(0x100), 0);
  r.signature[0] = 'X';
  assert_int_equal(acpi_rsdp_check(&r, sizeof(r)), ACPI_BAD_SIGNATURE);
}

static void
test_rsdp_bad_checksum(void **state)
{
  (void)state;
  struct acpi_rsdp r = make_rsdp(0, AT(0x100), 0);
  r.rsdt_address ^= 0x10;
  assert_int_equal(acpi_rsdp_check(&r, sizeof(r)), ACPI_BAD_CHECKSUM);
}

static void
test_rsdp_bad_extended_checksum(void **state)
{
  (void)state;
  struct acpi_rsdp r = make_rsdp(2, AT(0x100), AT(0x200));
  r.xsdt_address ^= 0x1000; // outside the first 20 bytes
  assert_int_equal(acpi_rsdp_check(&r, sizeof(r)), ACPI_BAD_EXTENDED_CHECKSUM);
}

static void
test_rsdp_revision2_truncated(void **state)
{
  (void)state;
  struct acpi_rsdp r = make_rsdp(2, AT(0x100), AT(0x200));
  assert_int_equal(acpi_rsdp_check(&r, ACPI_RSDP_V1_SIZE), ACPI_TRUNCATED);
  assert_int_equal(acpi_rsdp_check(&r, ACPI_RSDP_V1_SIZE - 1), ACPI_TRUNCATED);
}

static void
test_rsdp_revision2_bad_length(void **state)
{
  (void)state;
  struct acpi_rsdp r = make_rsdp(2, AT(0x100), AT(0x200));
  r.length = 20;
  fix_checksum((uint8_t *)&r, sizeof(r),
               offsetof(struct acpi_rsdp, extended_checksum));
  assert_int_equal(acpi_rsdp_check(&r, sizeof(r)), ACPI_BAD_LENGTH);
  r = make_rsdp(2, AT(0x100), AT(0x200));
  r.length = 4096; // claims more than is readable
  assert_int_equal(acpi_rsdp_check(&r, sizeof(r)), ACPI_TRUNCATED);
}

static void
test_rsdp_scan(void **state)
{
  (void)state;
  struct acpi_rsdp good = make_rsdp(2, AT(0x100), AT(0x200));
  struct acpi_rsdp bad = make_rsdp(0, AT(0x100), 0);
  bad.checksum ^= 1;

  memcpy(mem + 0x40, &bad, ACPI_RSDP_V1_SIZE); // signature only: rejected
  memcpy(mem + 0x88, &good, sizeof(good));     // not 16-byte aligned
  memcpy(mem + 0xA0, &good, sizeof(good));
  assert_int_equal(acpi_rsdp_scan(mem, 0x100), 0xA0);
  assert_int_equal(acpi_rsdp_scan(mem, 0xA0 + 30), -1); // cut short
  assert_int_equal(acpi_rsdp_scan(mem, 0x40), -1);
}

// ---- tables and the root walk
// ------------------------------------------------

static void
test_parse_rsdt_revision0(void **state)
{
  (void)state;
  struct acpi_info info;
  uint64_t entries[] = {AT(0x400), AT(0x800)};
  put_table(0x400, "FACP", 116, NULL, 0);
  put_simple_madt(0x800);
  put_root(0x100, false, entries, 2);
  struct acpi_rsdp r = make_rsdp(0, AT(0x100), 0);

  assert_true(acpi_parse(&mapper, &r, &info));
  assert_false(info.xsdt);
  assert_int_equal(info.table_count, 2);
  assert_int_equal(info.valid_count, 2);
  assert_string_equal(info.tables[0].signature, "FACP");
  assert_string_equal(info.tables[1].signature, "APIC");
  assert_true(info.madt_found);
  assert_int_equal(info.madt.cpus, 2);
  assert_non_null(strstr(log_text, "FACP at 0x10400, 116 bytes"));
}

static void
test_parse_xsdt_revision2(void **state)
{
  (void)state;
  struct acpi_info info;
  uint64_t entries[] = {AT(0x800), AT(0x400)};
  put_table(0x400, "HPET", 56, NULL, 0);
  put_simple_madt(0x800);
  put_root(0x200, true, entries, 2);  // 64-bit entries at offset 36
  put_root(0x100, false, entries, 1); // a different RSDT: must not be used
  struct acpi_rsdp r = make_rsdp(2, AT(0x100), AT(0x200));

  assert_true(acpi_parse(&mapper, &r, &info));
  assert_true(info.xsdt);
  assert_int_equal(info.root_phys, AT(0x200));
  assert_int_equal(info.table_count, 2);
  assert_int_equal(info.valid_count, 2);
  assert_string_equal(info.tables[1].signature, "HPET");
}

static void
test_parse_xsdt_bad_falls_back_to_rsdt(void **state)
{
  (void)state;
  struct acpi_info info;
  uint64_t entries[] = {AT(0x800)};
  put_simple_madt(0x800);
  put_root(0x200, true, entries, 1);
  mem[0x200 + 20] ^= 0xFF; // break the XSDT's checksum
  put_root(0x100, false, entries, 1);
  struct acpi_rsdp r = make_rsdp(2, AT(0x100), AT(0x200));

  assert_true(acpi_parse(&mapper, &r, &info));
  assert_false(info.xsdt);
  assert_int_equal(info.valid_count, 1);
  assert_non_null(strstr(log_text, "XSDT at 0x10200: bad checksum"));
}

static void
test_parse_revision2_without_xsdt_uses_rsdt(void **state)
{
  (void)state;
  struct acpi_info info;
  uint64_t entries[] = {AT(0x800)};
  put_simple_madt(0x800);
  put_root(0x100, false, entries, 1);
  struct acpi_rsdp r = make_rsdp(2, AT(0x100), 0);

  assert_true(acpi_parse(&mapper, &r, &info));
  assert_false(info.xsdt);
  assert_true(info.madt_found);
}

static void
test_parse_root_signature_checked(void **state)
{
  (void)state;
  struct acpi_info info;
  uint64_t entries[] = {AT(0x800)};
  put_root(0x100, false, entries, 1);
  memcpy(mem + 0x100, "RSDX", 4);
  fix_checksum(mem + 0x100, 40, offsetof(struct acpi_sdt_header, checksum));
  struct acpi_rsdp r = make_rsdp(0, AT(0x100), 0);

  assert_false(acpi_parse(&mapper, &r, &info));
}

static void
test_parse_root_unmappable(void **state)
{
  (void)state;
  struct acpi_info info;
  struct acpi_rsdp r = make_rsdp(0, MEM_BASE + MEM_SIZE - 10, 0);

  assert_false(acpi_parse(&mapper, &r, &info));
  r = make_rsdp(0, 0, 0);
  assert_false(acpi_parse(&mapper, &r, &info));
}

static void
test_table_bad_checksum_skipped(void **state)
{
  (void)state;
  struct acpi_info info;
  uint64_t entries[] = {AT(0x400), AT(0x800)};
  put_table(0x400, "FACP", 116, NULL, 0);
  mem[0x400 + 100] = 1; // after the checksum was computed
  put_simple_madt(0x800);
  put_root(0x100, false, entries, 2);
  struct acpi_rsdp r = make_rsdp(0, AT(0x100), 0);

  assert_true(acpi_parse(&mapper, &r, &info));
  assert_int_equal(info.table_count, 2);
  assert_int_equal(info.valid_count, 1);
  assert_int_equal(info.tables[0].status, ACPI_BAD_CHECKSUM);
  assert_non_null(
      strstr(log_text, "FACP at 0x10400, 116 bytes: bad checksum, skipped"));
}

static void
test_table_length_shorter_than_header(void **state)
{
  (void)state;
  struct acpi_table record;
  const struct acpi_sdt_header *table = NULL;
  put_table(0x400, "SSDT", 36, NULL, 0);
  put_u32(mem + 0x404, 8);

  assert_int_equal(acpi_table_map(&mapper, AT(0x400), NULL, &record, &table),
                   ACPI_BAD_LENGTH);
  assert_null(table);
}

static void
test_table_oversized_length(void **state)
{
  (void)state;
  struct acpi_table record;
  const struct acpi_sdt_header *table = NULL;

  // Runs past the end of memory.
  put_table(0x3F00, "SSDT", 0x100, NULL, 0);
  put_u32(mem + 0x3F04, 0x200);
  assert_int_equal(acpi_table_map(&mapper, AT(0x3F00), NULL, &record, &table),
                   ACPI_UNMAPPABLE);
  // The largest length there is: no table is that long, nothing is read.
  put_u32(mem + 0x3F04, 0xFFFFFFFF);
  assert_int_equal(acpi_table_map(&mapper, AT(0x3F00), NULL, &record, &table),
                   ACPI_BAD_LENGTH);
  // Readable, but longer than the mapper's area holds.
  put_table(0x1000, "DSDT", 0x2000, NULL, 0);
  map_limit = 0x1000;
  assert_int_equal(acpi_table_map(&mapper, AT(0x1000), NULL, &record, &table),
                   ACPI_UNMAPPABLE);
  assert_string_equal(record.signature, "DSDT");
  assert_int_equal(record.length, 0x2000);
  map_limit = MEM_SIZE;
  assert_int_equal(acpi_table_map(&mapper, AT(0x1000), "DSDT", &record, &table),
                   ACPI_OK);
  assert_ptr_equal(table, table_at(0x1000));
}

static void
test_table_entry_outside_memory_skipped(void **state)
{
  (void)state;
  struct acpi_info info;
  uint64_t entries[] = {0xFFFFFFFFFFFFF000ull, AT(0x800), 0};
  put_simple_madt(0x800);
  put_root(0x200, true, entries, 3);
  struct acpi_rsdp r = make_rsdp(2, 0, AT(0x200));

  assert_true(acpi_parse(&mapper, &r, &info));
  assert_int_equal(info.table_count, 3);
  assert_int_equal(info.valid_count, 1);
  assert_int_equal(info.tables[0].status, ACPI_UNMAPPABLE);
  assert_int_equal(info.tables[2].status, ACPI_UNMAPPABLE);
  assert_true(info.madt_found);
}

static void
test_root_with_partial_entry(void **state)
{
  (void)state;
  struct acpi_info info;
  uint64_t entries[] = {AT(0x800)};
  put_simple_madt(0x800);
  // An RSDT of 36 + 4 + 2 bytes: the last 2 bytes are no entry.
  put_root(0x100, false, entries, 1);
  put_u32(mem + 0x104, 42);
  fix_checksum(mem + 0x100, 42, offsetof(struct acpi_sdt_header, checksum));
  struct acpi_rsdp r = make_rsdp(0, AT(0x100), 0);

  assert_true(acpi_parse(&mapper, &r, &info));
  assert_int_equal(info.table_count, 1);
}

static void
test_many_tables_listed(void **state)
{
  (void)state;
  struct acpi_info info;
  uint64_t entries[ACPI_MAX_TABLES + 8];
  put_table(0x400, "SSDT", 40, NULL, 0);
  for (int i = 0; i < ACPI_MAX_TABLES + 8; i++)
    entries[i] = AT(0x400);
  put_root(0x100, false, entries, ACPI_MAX_TABLES + 8);
  struct acpi_rsdp r = make_rsdp(0, AT(0x100), 0);

  assert_true(acpi_parse(&mapper, &r, &info));
  assert_int_equal(info.table_count, ACPI_MAX_TABLES + 8);
  assert_int_equal(info.valid_count, ACPI_MAX_TABLES + 8);
  assert_false(info.madt_found);
}

// ---- MADT ------------------------------------------------------------------

static void
test_madt_every_entry_type(void **state)
{
  (void)state;
  struct madt_info madt;
  struct madt_image m;
  uint8_t zeros[32] = {0};
  uint8_t lapic_override[10] = {0};
  put_u64(lapic_override + 2, 0x0000000123400000ull);

  madt_start(&m, 0xFEE00000, 1);
  madt_lapic(&m, 0, 0, 1); // enabled
  madt_lapic(&m, 1, 1, 0); // disabled
  madt_lapic(&m, 2, 2, 2); // online capable, not enabled
  madt_ioapic(&m, 4, 0xFEC00000, 0);
  madt_ioapic(&m, 5, 0xFEC01000, 24);
  madt_override(&m, 0, 2, 0);
  madt_override(&m, 9, 9, 0xD);
  madt_add(&m, 3, 8, zeros);           // NMI source
  madt_add(&m, 4, 6, zeros);           // local APIC NMI
  madt_add(&m, 5, 12, lapic_override); // 64-bit local APIC address
  madt_add(&m, 6, 16, zeros);          // I/O SAPIC
  madt_add(&m, 7, 17, zeros);          // local SAPIC (variable length)
  madt_add(&m, 8, 16, zeros);          // platform interrupt sources
  madt_x2apic(&m, 300, 1);             // enabled x2APIC
  madt_x2apic(&m, 301, 0);             // disabled x2APIC
  madt_add(&m, 10, 12, zeros);         // local x2APIC NMI
  madt_add(&m, 11, 20, zeros);         // GIC CPU interface (unknown here)
  madt_add(&m, 0x7F, 5, zeros);        // reserved type
  madt_add(&m, 0x80, 2, zeros);        // OEM type, header only
  put_madt(0x800, &m);

  assert_int_equal(acpi_madt_parse(table_at(0x800), &madt), ACPI_OK);
  assert_true(madt.pcat_compat);
  assert_true(madt.lapic_overridden);
  assert_int_equal(madt.lapic_address, 0x0000000123400000ull);
  assert_int_equal(madt.cpus, 2);
  assert_int_equal(madt.cpu_apic_ids[0], 0);
  assert_int_equal(madt.cpu_apic_ids[1], 300);
  assert_int_equal(madt.cpus_disabled, 3); // revision 1: bit 1 is reserved
  assert_int_equal(madt.cpus_hotplug, 0);
  assert_int_equal(madt.x2apic_entries, 2);
  assert_int_equal(madt.ioapic_count, 2);
  assert_int_equal(madt.ioapics[1].id, 5);
  assert_int_equal(madt.ioapics[1].address, 0xFEC01000);
  assert_int_equal(madt.ioapics[1].gsi_base, 24);
  assert_int_equal(madt.override_count, 2);
  assert_int_equal(madt.overrides[1].source, 9);
  assert_int_equal(madt.overrides[1].gsi, 9);
  assert_int_equal(madt.overrides[1].flags, 0xD);
  assert_int_equal(madt.nmi_entries, 3);
  assert_int_equal(madt.unknown_entries, 6);
}

// Local APIC NMI entries (UID 0xFF: every processor) and local x2APIC NMI
// entries (32-bit UIDs) name a LINT pin of the processors whose UIDs match,
// with the polarity of their MPS INTI flags.
static void
test_madt_lint_nmi_entries(void **state)
{
  (void)state;
  struct madt_info madt;
  struct madt_image m;
  uint8_t all_lint1[4] = {0xFF, 0x0D, 0x00, 1}; // active high, level (ignored)
  uint8_t uid1_lint0[4] = {1, 0x03, 0x00, 0};   // active low
  uint8_t x2_uid300_lint0[10] = {0x01, 0x00};   // flags: active high
  put_u32(x2_uid300_lint0 + 2, 300);
  bool low = true;

  madt_start(&m, 0xFEE00000, 1);
  madt_lapic(&m, 0, 0, 1); // UID 0, APIC id 0
  madt_lapic(&m, 1, 5, 1); // UID 1, APIC id 5
  madt_x2apic(&m, 300, 1); // UID 300, x2APIC id 300
  madt_lapic(&m, 2, 6, 0); // disabled: no NMI pins at all
  madt_add(&m, 4, 6, all_lint1);
  madt_add(&m, 4, 6, uid1_lint0);
  madt_add(&m, 10, 12, x2_uid300_lint0);
  put_madt(0x800, &m);

  assert_int_equal(acpi_madt_parse(table_at(0x800), &madt), ACPI_OK);
  assert_int_equal(madt.lint_nmi_count, 3);
  assert_int_equal(madt.nmi_entries, 3);
  assert_int_equal(madt.cpu_uids[1], 1);
  assert_int_equal(madt.cpu_uids[2], 300);
  assert_true(acpi_madt_lint_nmi(&madt, 0, 1, &low));
  assert_false(low);
  assert_false(acpi_madt_lint_nmi(&madt, 0, 0, &low));
  assert_true(acpi_madt_lint_nmi(&madt, 5, 0, &low));
  assert_true(low);
  assert_true(acpi_madt_lint_nmi(&madt, 5, 1, &low)); // the UID 0xFF entry
  assert_true(acpi_madt_lint_nmi(&madt, 300, 0, &low));
  assert_false(low);
  assert_false(acpi_madt_lint_nmi(&madt, 6, 1, &low)); // disabled
  assert_false(acpi_madt_lint_nmi(&madt, 7, 1, &low)); // not listed
}

static void
test_madt_zero_processors(void **state)
{
  (void)state;
  struct madt_info madt;
  struct madt_image m;
  madt_start(&m, 0xFEE00000, 0);
  madt_ioapic(&m, 0, 0xFEC00000, 0);
  put_madt(0x800, &m);

  assert_int_equal(acpi_madt_parse(table_at(0x800), &madt), ACPI_OK);
  assert_int_equal(madt.cpus, 0);
  assert_false(madt.pcat_compat);
  assert_false(madt.lapic_overridden);
  assert_int_equal(madt.lapic_address, 0xFEE00000);
}

static void
test_madt_no_entries(void **state)
{
  (void)state;
  struct madt_info madt;
  struct madt_image m;
  madt_start(&m, 0xFEE00000, 1);
  put_madt(0x800, &m);

  assert_int_equal(acpi_madt_parse(table_at(0x800), &madt), ACPI_OK);
  assert_int_equal(madt.cpus, 0);
}

static void
test_madt_too_short(void **state)
{
  (void)state;
  struct madt_info madt;
  put_table(0x800, "APIC", 40, NULL, 0);

  assert_int_equal(acpi_madt_parse(table_at(0x800), &madt), ACPI_BAD_LENGTH);
}

static void
test_madt_zero_length_entry(void **state)
{
  (void)state;
  struct madt_info madt;
  struct madt_image m;
  uint8_t none[1] = {0};
  madt_start(&m, 0xFEE00000, 1);
  madt_lapic(&m, 0, 0, 1);
  madt_add(&m, 0x7F, 2, none);
  m.body[m.size - 1] = 0; // length 0: would loop forever
  madt_lapic(&m, 1, 1, 1);
  put_madt(0x800, &m);

  assert_int_equal(acpi_madt_parse(table_at(0x800), &madt), ACPI_MALFORMED);
  assert_int_equal(madt.cpus, 1); // what came before is kept
}

static void
test_madt_entry_runs_past_end(void **state)
{
  (void)state;
  struct madt_info madt;
  struct madt_image m;
  madt_start(&m, 0xFEE00000, 1);
  madt_lapic(&m, 0, 0, 1);
  madt_lapic(&m, 1, 1, 1);
  m.body[m.size - 7] = 40; // the second entry claims 40 bytes
  put_madt(0x800, &m);

  assert_int_equal(acpi_madt_parse(table_at(0x800), &madt), ACPI_MALFORMED);
  assert_int_equal(madt.cpus, 1);
}

static void
test_madt_entry_too_short_for_type(void **state)
{
  (void)state;
  struct madt_info madt;
  struct madt_image m;
  uint8_t rest[4] = {0};
  madt_start(&m, 0xFEE00000, 1);
  madt_add(&m, 9, 6, rest); // an x2APIC entry needs 16 bytes
  put_madt(0x800, &m);

  assert_int_equal(acpi_madt_parse(table_at(0x800), &madt), ACPI_MALFORMED);
  assert_int_equal(madt.cpus, 0);
}

static void
test_madt_header_cut_at_end(void **state)
{
  (void)state;
  struct madt_info madt;
  struct madt_image m;
  madt_start(&m, 0xFEE00000, 1);
  madt_lapic(&m, 0, 0, 1);
  m.body[m.size++] = 0; // one stray byte: half a header
  put_madt(0x800, &m);

  assert_int_equal(acpi_madt_parse(table_at(0x800), &madt), ACPI_MALFORMED);
  assert_int_equal(madt.cpus, 1);
}

static void
test_madt_lists_overflow_safely(void **state)
{
  (void)state;
  struct madt_info madt;
  struct madt_image m;
  madt_start(&m, 0xFEE00000, 1);
  for (int i = 0; i < MADT_MAX_CPUS + 3; i++)
    madt_lapic(&m, (uint8_t)i, (uint8_t)i, 1);
  for (int i = 0; i < MADT_MAX_IOAPICS + 2; i++)
    madt_ioapic(&m, (uint8_t)i, 0xFEC00000 + i * 0x1000u, i * 24u);
  for (int i = 0; i < MADT_MAX_OVERRIDES + 2; i++)
    madt_override(&m, (uint8_t)i, (uint32_t)i, 0);
  assert_true(m.size <= sizeof(m.body));
  put_madt(0x800, &m);

  assert_int_equal(acpi_madt_parse(table_at(0x800), &madt), ACPI_OK);
  assert_int_equal(madt.cpus, MADT_MAX_CPUS + 3);
  assert_int_equal(madt.ioapic_count, MADT_MAX_IOAPICS + 2);
  assert_int_equal(madt.override_count, MADT_MAX_OVERRIDES + 2);
}

static void
test_madt_malformed_still_found(void **state)
{
  (void)state;
  struct acpi_info info;
  struct madt_image m;
  uint64_t entries[] = {AT(0x800)};
  madt_start(&m, 0xFEE00000, 1);
  madt_lapic(&m, 0, 0, 1);
  madt_add(&m, 0, 3, (const uint8_t *)"\0"); // a local APIC entry of 3 bytes
  put_madt(0x800, &m);
  put_root(0x100, false, entries, 1);
  struct acpi_rsdp r = make_rsdp(0, AT(0x100), 0);

  assert_true(acpi_parse(&mapper, &r, &info));
  assert_true(info.madt_found);
  assert_int_equal(info.madt.cpus, 1);
  assert_non_null(strstr(log_text, "MADT: malformed entry"));
}

// The MADT at `offset` as revision `revision`, checksum fixed.
static void
set_revision(uint32_t offset, uint8_t revision)
{
  mem[offset + offsetof(struct acpi_sdt_header, revision)] = revision;
  fix_checksum(mem + offset, table_at(offset)->length,
               offsetof(struct acpi_sdt_header, checksum));
}

// Firmware lists CPUs with IDs below 0xFF as local APIC entries and, for
// x2APIC-aware OSes, again as x2APIC entries (in either order): each CPU
// counts once; x2APIC entries from 0xFF up are CPUs of their own.
static void
test_madt_cpu_listed_twice_counted_once(void **state)
{
  (void)state;
  struct madt_info madt;
  struct madt_image m;
  madt_start(&m, 0xFEE00000, 1);
  madt_x2apic(&m, 0, 1); // before the local APIC entry it repeats
  madt_lapic(&m, 0, 0, 1);
  madt_lapic(&m, 1, 1, 1);
  madt_x2apic(&m, 1, 1);
  madt_x2apic(&m, 0xFF, 1);  // needs an x2APIC entry: a CPU of its own
  madt_x2apic(&m, 0x100, 1); // likewise
  put_madt(0x800, &m);

  assert_int_equal(acpi_madt_parse(table_at(0x800), &madt), ACPI_OK);
  assert_int_equal(madt.cpus, 4);
  assert_int_equal(madt.cpu_apic_ids[0], 0);
  assert_int_equal(madt.cpu_apic_ids[1], 1);
  assert_int_equal(madt.cpu_apic_ids[2], 0xFF);
  assert_int_equal(madt.cpu_apic_ids[3], 0x100);
  assert_int_equal(madt.cpus_ignored, 2);
  assert_int_equal(madt.lapic_entries, 2);
  assert_int_equal(madt.x2apic_entries, 4);
}

// Without local APIC entries, x2APIC entries with small IDs are the CPUs.
static void
test_madt_x2apic_only(void **state)
{
  (void)state;
  struct madt_info madt;
  struct madt_image m;
  madt_start(&m, 0xFEE00000, 0);
  madt_x2apic(&m, 0, 1);
  madt_x2apic(&m, 1, 1);
  madt_lapic(&m, 0, 0xFF, 0); // a placeholder: no CPU, and no local APIC CPU
  put_madt(0x800, &m);

  assert_int_equal(acpi_madt_parse(table_at(0x800), &madt), ACPI_OK);
  assert_int_equal(madt.cpus, 2);
  assert_int_equal(madt.cpus_ignored, 1);
}

// A local APIC entry with ID 0xFF describes no processor, enabled or not.
static void
test_madt_lapic_id_ff_ignored(void **state)
{
  (void)state;
  struct madt_info madt;
  struct madt_image m;
  madt_start(&m, 0xFEE00000, 1);
  madt_lapic(&m, 0, 0, 1);
  madt_lapic(&m, 1, 0xFF, 1);
  madt_lapic(&m, 2, 0xFF, 0);
  put_madt(0x800, &m);

  assert_int_equal(acpi_madt_parse(table_at(0x800), &madt), ACPI_OK);
  assert_int_equal(madt.cpus, 1);
  assert_int_equal(madt.cpus_disabled, 0);
  assert_int_equal(madt.cpus_ignored, 2);
}

// ACPI 6.3 (MADT revision 5): a CPU that is not enabled but online capable
// may be added later; one that is neither is never used. Before revision 5
// the bit is reserved and means nothing. Enabled wins over online capable.
static void
test_madt_online_capable(void **state)
{
  (void)state;
  struct madt_info madt;
  struct madt_image m;
  madt_start(&m, 0xFEE00000, 1);
  madt_lapic(&m, 0, 0, 1); // enabled
  madt_lapic(&m, 1, 1, 2); // online capable
  madt_lapic(&m, 2, 2, 0); // disabled
  madt_lapic(&m, 3, 3, 3); // both bits: enabled
  madt_x2apic(&m, 0x200, 2);
  put_madt(0x800, &m);

  set_revision(0x800, 5);
  assert_int_equal(acpi_madt_parse(table_at(0x800), &madt), ACPI_OK);
  assert_int_equal(madt.cpus, 2);
  assert_int_equal(madt.cpus_hotplug, 2);
  assert_int_equal(madt.cpus_disabled, 1);

  set_revision(0x800, 4);
  assert_int_equal(acpi_madt_parse(table_at(0x800), &madt), ACPI_OK);
  assert_int_equal(madt.cpus, 2);
  assert_int_equal(madt.cpus_hotplug, 0);
  assert_int_equal(madt.cpus_disabled, 3);
}

// A skipped table's line names it by its signature.
static void
test_skipped_table_named(void **state)
{
  (void)state;
  struct acpi_info info;
  uint64_t entries[] = {AT(0x400), MEM_BASE + MEM_SIZE + 0x1000, AT(0x800)};
  put_table(0x400, "SSDT", 0x3000, NULL, 0);
  mem[0x400 + 0x2000] ^= 1;
  put_simple_madt(0x3800);
  entries[2] = AT(0x3800);
  put_root(0x100, false, entries, 3);
  struct acpi_rsdp r = make_rsdp(0, AT(0x100), 0);

  assert_true(acpi_parse(&mapper, &r, &info));
  assert_non_null(
      strstr(log_text, "SSDT at 0x10400, 12288 bytes: bad checksum, skipped"));
  assert_non_null(strstr(log_text, "entry 1 at 0x15000: header unreadable"));
  assert_null(strstr(log_text, "????"));
  assert_true(info.madt_found);
}

// The HPET table: where the registers are, and in which address space.
static void
test_hpet_table(void **state)
{
  (void)state;
  struct acpi_hpet hpet;
  uint8_t body[20] = {0x01, 0xA2, 0x86, 0x80, 0, 64, 0, 0};
  put_u64(body + 8, 0xFED00000);
  body[16] = 3;    // HPET number
  body[17] = 0x37; // minimum tick, low byte
  put_table(0x400, "HPET", 56, body, sizeof(body));

  assert_int_equal(acpi_hpet_parse(table_at(0x400), &hpet), ACPI_OK);
  assert_int_equal(hpet.address, 0xFED00000);
  assert_true(hpet.address_in_memory);
  assert_int_equal(hpet.event_timer_block_id, 0x8086A201);
  assert_int_equal(hpet.number, 3);
  assert_int_equal(hpet.min_tick, 0x37);
  body[4] = 1; // system I/O space
  put_table(0x400, "HPET", 56, body, sizeof(body));
  assert_int_equal(acpi_hpet_parse(table_at(0x400), &hpet), ACPI_OK);
  assert_false(hpet.address_in_memory);
  put_table(0x400, "HPET", 52, body, 16);
  assert_int_equal(acpi_hpet_parse(table_at(0x400), &hpet), ACPI_BAD_LENGTH);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_rsdp_revision0_valid, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_rsdp_revision2_valid, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_rsdp_bad_signature, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rsdp_bad_checksum, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rsdp_bad_extended_checksum, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_rsdp_revision2_truncated, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_rsdp_revision2_bad_length, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_rsdp_scan, setup, teardown),
      cmocka_unit_test_setup_teardown(test_parse_rsdt_revision0, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_parse_xsdt_revision2, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_parse_xsdt_bad_falls_back_to_rsdt,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_parse_revision2_without_xsdt_uses_rsdt, setup, teardown),
      cmocka_unit_test_setup_teardown(test_parse_root_signature_checked, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_parse_root_unmappable, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_table_bad_checksum_skipped, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_table_length_shorter_than_header,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_table_oversized_length, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_table_entry_outside_memory_skipped,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_root_with_partial_entry, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_many_tables_listed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_madt_every_entry_type, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_madt_lint_nmi_entries, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_madt_zero_processors, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_madt_no_entries, setup, teardown),
      cmocka_unit_test_setup_teardown(test_madt_too_short, setup, teardown),
      cmocka_unit_test_setup_teardown(test_madt_zero_length_entry, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_madt_entry_runs_past_end, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_madt_entry_too_short_for_type, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_madt_header_cut_at_end, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_madt_lists_overflow_safely, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_madt_malformed_still_found, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_madt_cpu_listed_twice_counted_once,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_madt_x2apic_only, setup, teardown),
      cmocka_unit_test_setup_teardown(test_madt_lapic_id_ff_ignored, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_madt_online_capable, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_skipped_table_named, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_hpet_table, setup, teardown),
  };
  return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
