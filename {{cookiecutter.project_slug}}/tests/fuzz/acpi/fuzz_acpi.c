// libFuzzer harness for the ACPI parser (kernel/acpi/acpi.c and madt.c).
// The input is a piece of physical memory at IMAGE_BASE (the BIOS area,
// where the kernel scans for the RSDP): the harness scans it for an RSDP,
// walks the XSDT or RSDT it names and parses the MADT, as acpi/boot.c does.
// The mapper hands out a heap copy of exactly the bytes asked for, so ASan
// stops any read past what was mapped, not only past the image; addresses
// outside the image, or longer than the kernel's ACPI area, are refused.
// Releasing frees the copies made since the mark, so ASan also stops a
// read through a pointer the parser gave back.
// The results are then checked against the image (__builtin_trap on a
// broken promise of acpi.h).
//
// Input layout: byte 0 holds flags, the rest is the memory image.
//   FLAG_FIX_CHECKSUMS  before parsing, give the RSDP at image offset 0, the
//                       root tables it names and the tables they list valid
//                       checksums, so mutations reach the MADT walk instead
//                       of dying at a checksum (the parser still checks).
//   FLAG_TORN_READS     the mapper's copies of more than a table header
//                       get their length field changed, as if the table
//                       changed between the header's mapping and the next
//                       one: acpi_table_check must notice, not trust either
//                       (its first piece always holds more than the header).

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/acpi.c"
#include "acpi/hpet.c"
#include "acpi/madt.c"

#define IMAGE_BASE         0xE0000ULL // phys of image[0]
#define MAP_LIMIT          (8 * 4096) // the default ACPI area: 8 pages
#define FLAG_FIX_CHECKSUMS (1u << 0)
#define FLAG_TORN_READS    (1u << 1)
#define HEADER_SIZE        sizeof(struct acpi_sdt_header)
#define OFF_CHECKSUM       offsetof(struct acpi_sdt_header, checksum)
#define MADT_ENTRIES       44 // first MADT entry, madt.c

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond))                                                               \
      __builtin_trap();                                                        \
  } while (0)

static uint8_t *image;
static size_t image_size;
static bool torn_reads;
static void **copies; // what the mapper handed out, freed after the parse
static size_t copy_count, copy_room;

// The parser prints through kprintf; format everything so that ASan and
// UBSan see each argument read (a signature without its NUL, say).
int
kprintf(const char *fmt, ...)
{
  char line[512];
  va_list args;

  va_start(args, fmt);
  int n = vsnprintf(line, sizeof(line), fmt, args);
  va_end(args);
  return n;
}

// Is [phys, phys + length) inside the image? Sets *offset when it is.
static bool
in_image(uint64_t phys, uint64_t length, size_t *offset)
{
  if (phys < IMAGE_BASE || length > image_size ||
      phys - IMAGE_BASE > image_size - length)
    return false;
  *offset = (size_t)(phys - IMAGE_BASE);
  return true;
}

static const void *
fuzz_map(void *context, uint64_t phys, uint64_t length)
{
  size_t offset;

  (void)context;
  if (length > MAP_LIMIT || !in_image(phys, length, &offset))
    return NULL;
  if (copy_count == copy_room) {
    copy_room = copy_room ? 2 * copy_room : 64;
    copies = realloc(copies, copy_room * sizeof(*copies));
    CHECK(copies != NULL);
  }
  void *copy = malloc(length ? length : 1);
  CHECK(copy != NULL);
  memcpy(copy, image + offset, length);
  if (torn_reads && length > HEADER_SIZE)
    ((uint8_t *)copy)[4] ^= 1; // the low byte of the length field
  copies[copy_count++] = copy;
  return copy;
}

static unsigned
fuzz_mark(void *context)
{
  (void)context;
  return (unsigned)copy_count;
}

static void
fuzz_release(void *context, unsigned mark)
{
  (void)context;
  CHECK(mark <= copy_count);
  while (copy_count > mark)
    free(copies[--copy_count]);
}

static void
free_copies(void)
{
  fuzz_release(NULL, 0);
}

static uint32_t
load_u32(const uint8_t *bytes)
{
  uint32_t value;
  memcpy(&value, bytes, sizeof(value));
  return value;
}

static uint64_t
load_u64(const uint8_t *bytes)
{
  uint64_t value;
  memcpy(&value, bytes, sizeof(value));
  return value;
}

static uint8_t
sum(const uint8_t *bytes, size_t length)
{
  uint8_t s = 0;
  for (size_t i = 0; i < length; i++)
    s += bytes[i];
  return s;
}

// ---- FLAG_FIX_CHECKSUMS ----------------------------------------------------

static void
fix_sum(uint8_t *bytes, size_t length, size_t checksum_offset)
{
  bytes[checksum_offset] = 0;
  bytes[checksum_offset] = (uint8_t)(0x100 - sum(bytes, length));
}

// Fix the table at phys if its length is plausible; returns its offset in
// the image and its length, or false.
static bool
fix_table(uint64_t phys, size_t *offset, uint32_t *length)
{
  if (!in_image(phys, HEADER_SIZE, offset))
    return false;
  *length = load_u32(image + *offset + 4);
  if (*length < HEADER_SIZE || *length > image_size - *offset)
    return false;
  fix_sum(image + *offset, *length, OFF_CHECKSUM);
  return true;
}

static void
fix_root(uint64_t phys, unsigned entry_size)
{
  size_t offset, table;
  uint32_t length, ignored;

  if (!fix_table(phys, &offset, &length))
    return;
  for (size_t at = HEADER_SIZE; at + entry_size <= length; at += entry_size) {
    const uint8_t *entry = image + offset + at;
    fix_table(entry_size == 8 ? load_u64(entry) : load_u32(entry), &table,
              &ignored);
  }
  fix_table(phys, &offset, &length); // an entry may point into the root
}

static void
fix_checksums(void)
{
  if (image_size < ACPI_RSDP_V2_SIZE || memcmp(image, "RSD PTR ", 8) != 0)
    return;
  uint32_t rsdt = load_u32(image + 16);
  uint32_t length = load_u32(image + 20);
  uint64_t xsdt = load_u64(image + 24);
  bool v2 = image[15] >= 2;

  fix_root(rsdt, 4);
  if (v2)
    fix_root(xsdt, 8);
  fix_sum(image, ACPI_RSDP_V1_SIZE, 8);
  if (v2 && length >= ACPI_RSDP_V2_SIZE && length <= image_size)
    fix_sum(image, length, 32);
}

// ---- the checks ------------------------------------------------------------

static void
check_record(const struct acpi_table *t)
{
  size_t offset;

  CHECK(t->status <= ACPI_MALFORMED);
  CHECK(strcmp(acpi_status_name(t->status), "unknown status") != 0);
  CHECK(t->signature[ACPI_SIG_SIZE] == '\0');
  if (t->signature[0] == '\0') { // its header could not be mapped
    CHECK(t->status == ACPI_UNMAPPABLE && t->length == 0);
    return;
  }
  // Its header was read: the signature and length are the image's.
  CHECK(in_image(t->phys, HEADER_SIZE, &offset));
  for (int i = 0; i < ACPI_SIG_SIZE; i++) {
    uint8_t c = image[offset + i];
    CHECK(t->signature[i] == (c >= ' ' && c <= '~' ? (char)c : '?'));
  }
  CHECK(t->length == load_u32(image + offset + 4));
  if (t->status != ACPI_OK)
    return;
  CHECK(!torn_reads || t->length == HEADER_SIZE);
  // A table that passed: all of it is in the image and sums to zero (it
  // was read in pieces, so it may be longer than the window).
  CHECK(t->length >= HEADER_SIZE);
  CHECK(in_image(t->phys, t->length, &offset));
  CHECK(sum(image + offset, t->length) == 0);
}

// Each MADT entry the parser counted took at least its minimum length, so
// the counts together cannot need more bytes than the table has.
static void
check_madt(const struct madt_info *madt, uint32_t length)
{
  CHECK(length >= MADT_ENTRIES);
  // Every processor entry is counted once, in exactly one of the four.
  CHECK((uint64_t)madt->cpus + madt->cpus_hotplug + madt->cpus_disabled +
            madt->cpus_ignored ==
        (uint64_t)madt->lapic_entries + madt->x2apic_entries);
  uint64_t need = (uint64_t)madt->lapic_entries * MADT_LEN_LAPIC +
                  (uint64_t)madt->x2apic_entries * MADT_LEN_X2APIC +
                  (uint64_t)madt->ioapic_count * MADT_LEN_IOAPIC +
                  (uint64_t)madt->override_count * MADT_LEN_OVERRIDE +
                  (uint64_t)madt->nmi_entries * MADT_LEN_LAPIC_NMI +
                  (uint64_t)madt->unknown_entries * MADT_ENTRY_HEADER +
                  (madt->lapic_overridden ? MADT_LEN_LAPIC_OVERRIDE : 0);
  CHECK(need <= length - MADT_ENTRIES);
  if (!madt->lapic_overridden)
    CHECK(madt->lapic_address <= UINT32_MAX);
  unsigned ids = madt->cpus < MADT_MAX_CPUS ? madt->cpus : MADT_MAX_CPUS;
  if (madt->x2apic_entries == 0) // local APIC entries: 8-bit IDs, not 0xFF
    for (unsigned i = 0; i < ids; i++)
      CHECK(madt->cpu_apic_ids[i] < 0xFF);
}

static bool
all_zero(const void *data, size_t length)
{
  const uint8_t *bytes = data;
  for (size_t i = 0; i < length; i++)
    if (bytes[i])
      return false;
  return true;
}

// The root table's length, read from the image, or 0.
static uint32_t
root_length(uint64_t phys)
{
  size_t offset;
  if (!in_image(phys, HEADER_SIZE, &offset))
    return 0;
  return load_u32(image + offset + 4);
}

static void
check_info(const struct acpi_rsdp *rsdp, bool parsed,
           const struct acpi_info *info)
{
  if (!parsed)
    return;
  CHECK(info->rsdp_revision == rsdp->revision);
  if (info->xsdt)
    CHECK(rsdp->revision >= 2 && info->root_phys == rsdp->xsdt_address);
  else
    CHECK(info->root_phys == rsdp->rsdt_address && info->root_phys != 0);
  unsigned entry_size = info->xsdt ? 8 : 4;
  uint32_t length = root_length(info->root_phys);
  CHECK(length >= HEADER_SIZE && length <= MAP_LIMIT);
  CHECK(info->table_count == (length - HEADER_SIZE) / entry_size);
  CHECK(info->valid_count <= info->table_count);

  unsigned kept =
      info->table_count < ACPI_MAX_TABLES ? info->table_count : ACPI_MAX_TABLES;
  unsigned ok = 0;
  uint32_t madt_length = 0; // the first valid MADT with entries, or 0
  for (unsigned i = 0; i < kept; i++) {
    const struct acpi_table *t = &info->tables[i];
    check_record(t);
    ok += t->status == ACPI_OK;
    if (!madt_length && t->status == ACPI_OK && t->length >= MADT_ENTRIES &&
        t->length <= MAP_LIMIT && memcmp(t->signature, "APIC", 4) == 0)
      madt_length = t->length;
  }
  for (unsigned i = kept; i < ACPI_MAX_TABLES; i++)
    CHECK(all_zero(&info->tables[i], sizeof(info->tables[i])));
  CHECK(ok <= info->valid_count);
  if (info->table_count <= ACPI_MAX_TABLES) {
    CHECK(ok == info->valid_count);
    CHECK(info->madt_found == (madt_length != 0));
  }
  if (info->madt_found) // the first valid MADT; beyond tables[], any length
    check_madt(&info->madt, madt_length ? madt_length : MAP_LIMIT);
  else
    CHECK(all_zero(&info->madt, sizeof(info->madt)));
  // The tables kept mapped are still readable (ASan) and still valid.
  const struct acpi_sdt_header *mapped[] = {info->fadt_table, info->madt_table,
                                            info->hpet_table};
  for (unsigned i = 0; i < 3; i++)
    if (mapped[i])
      CHECK(mapped[i]->length <= MAP_LIMIT &&
            sum((const uint8_t *)mapped[i], mapped[i]->length) == 0);
  CHECK(info->madt_found == (info->madt_table != NULL));
  CHECK(info->hpet_found == (info->hpet_table != NULL));
  if (!info->hpet_found)
    CHECK(all_zero(&info->hpet, sizeof(info->hpet)));
}

// The MADT parser on its own, on any checked table at the image's start,
// whatever its signature (so mutations need not get through a root table).
static void
check_madt_alone(void)
{
  const struct acpi_mapper mapper = {fuzz_map, NULL, fuzz_mark, fuzz_release};
  const struct acpi_sdt_header *table = NULL;
  struct acpi_table record;
  struct madt_info madt;

  if (acpi_table_map(&mapper, IMAGE_BASE, NULL, &record, &table) != ACPI_OK)
    return;
  check_record(&record);
  enum acpi_status status = acpi_madt_parse(table, &madt);
  CHECK(status == ACPI_OK || status == ACPI_MALFORMED ||
        status == ACPI_BAD_LENGTH);
  if (status == ACPI_BAD_LENGTH)
    CHECK(record.length < MADT_ENTRIES);
  else
    check_madt(&madt, record.length);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static struct acpi_info info;
  const struct acpi_mapper mapper = {fuzz_map, NULL, fuzz_mark, fuzz_release};

  if (size < 1)
    return 0;
  image_size = size - 1;
  image = malloc(image_size ? image_size : 1);
  CHECK(image != NULL);
  memcpy(image, data + 1, image_size);
  if (data[0] & FLAG_FIX_CHECKSUMS)
    fix_checksums();
  torn_reads = data[0] & FLAG_TORN_READS;

  // An RSDP at the image's start (the loader's copy) is what the scan
  // finds first; scanning finds nothing where nothing fits.
  long at = acpi_rsdp_scan(image, image_size);
  CHECK((acpi_rsdp_check(image, image_size) == ACPI_OK) == (at == 0));
  if (at >= 0) {
    CHECK((size_t)at % ACPI_RSDP_ALIGN == 0 &&
          (size_t)at + ACPI_RSDP_V1_SIZE <= image_size);
    CHECK(sum(image + at, ACPI_RSDP_V1_SIZE) == 0);
    // Like acpi/boot.c's copy, but exactly as long as the RSDP's revision
    // says, so reading a revision-2 field of a revision-0 RSDP is caught.
    size_t length = ACPI_RSDP_V1_SIZE;
    if (image[at + 15] >= 2)
      length = load_u32(image + at + 20);
    CHECK(length >= ACPI_RSDP_V1_SIZE && length <= image_size - (size_t)at);
    struct acpi_rsdp *rsdp = malloc(length);
    CHECK(rsdp != NULL);
    memcpy(rsdp, image + at, length);
    bool parsed = acpi_parse(&mapper, rsdp, &info);
    check_info(rsdp, parsed, &info);
    free(rsdp);
  }
  check_madt_alone();
  free_copies();
  free(image);
  return 0;
}
