// ACPI table discovery: the RSDP checks, the RSDT/XSDT walk, and the checks
// every table gets before anything reads it (its length covers its header,
// all of it can be mapped, and its bytes sum to zero). It only reads memory
// that the mapper (acpi.h) returned, which is how host tests feed it table
// images. MADT details are in madt.c; the kernel's mapper and the RSDP
// search are in boot.c.
// ACPI specification 6.5: 5.2.5 RSDP, 5.2.6 table header, 5.2.7 RSDT,
// 5.2.8 XSDT.

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acpi/acpi.h"
#include "lib/kprintf.h"

#define RSDP_SIGNATURE      "RSD PTR "
#define RSDP_SIGNATURE_SIZE 8
#define RSDP_OFF_REVISION   15
#define RSDP_OFF_LENGTH     20
#define RSDP_REVISION_2     2 // ACPI 2.0+: length, XSDT, extended checksum
#define RSDT_ENTRY_SIZE     4 // 32-bit physical addresses
#define XSDT_ENTRY_SIZE     8 // 64-bit physical addresses (not 8-aligned)
#define SIGNATURE_MADT      "APIC"
#define SIGNATURE_FADT      "FACP"
#define SIGNATURE_HPET      "HPET"
#define ACPI_PAGE_SIZE      4096ull // tables are read a page at a time
// No table is this long (the largest DSDTs are a few MiB); a length beyond
// it is garbage, and checking it would read up to 4 GiB of whatever lies
// there, device registers included.
#define ACPI_TABLE_MAX (16u << 20)

static bool
bytes_equal(const void *a, const void *b, size_t length)
{
  const uint8_t *x = a, *y = b;

  for (size_t i = 0; i < length; i++)
    if (x[i] != y[i])
      return false;
  return true;
}

static void
bytes_clear(void *data, size_t length)
{
  volatile uint8_t *bytes = data; // volatile: no memset call from the compiler

  for (size_t i = 0; i < length; i++)
    bytes[i] = 0;
}

// Little-endian loads that need no alignment.
static uint64_t
acpi_read_le(const uint8_t *bytes, int size)
{
  uint64_t value = 0;

  for (int i = size - 1; i >= 0; i--)
    value = (value << 8) | bytes[i];
  return value;
}

uint8_t
acpi_checksum(const void *data, size_t length)
{
  const uint8_t *bytes = data;
  uint8_t sum = 0;

  for (size_t i = 0; i < length; i++)
    sum += bytes[i];
  return sum;
}

const char *
acpi_status_name(enum acpi_status status)
{
  switch (status) {
  case ACPI_OK:
    return "ok";
  case ACPI_BAD_SIGNATURE:
    return "wrong signature";
  case ACPI_BAD_CHECKSUM:
    return "bad checksum";
  case ACPI_BAD_EXTENDED_CHECKSUM:
    return "bad extended checksum";
  case ACPI_BAD_LENGTH:
    return "impossible length";
  case ACPI_TRUNCATED:
    return "truncated";
  case ACPI_UNMAPPABLE:
    return "does not fit the ACPI area";
  case ACPI_MALFORMED:
    return "malformed entry";
  }
  return "unknown status";
}

enum acpi_status
acpi_rsdp_check(const void *data, size_t available)
{
  const uint8_t *bytes = data;

  if (available < ACPI_RSDP_V1_SIZE)
    return ACPI_TRUNCATED;
  if (!bytes_equal(bytes, RSDP_SIGNATURE, RSDP_SIGNATURE_SIZE))
    return ACPI_BAD_SIGNATURE;
  if (acpi_checksum(bytes, ACPI_RSDP_V1_SIZE) != 0)
    return ACPI_BAD_CHECKSUM;
  if (bytes[RSDP_OFF_REVISION] < RSDP_REVISION_2)
    return ACPI_OK;
  if (available < ACPI_RSDP_V2_SIZE)
    return ACPI_TRUNCATED;
  uint32_t length = (uint32_t)acpi_read_le(bytes + RSDP_OFF_LENGTH, 4);
  if (length < ACPI_RSDP_V2_SIZE)
    return ACPI_BAD_LENGTH;
  if (length > available)
    return ACPI_TRUNCATED;
  if (acpi_checksum(bytes, length) != 0)
    return ACPI_BAD_EXTENDED_CHECKSUM;
  return ACPI_OK;
}

long
acpi_rsdp_scan(const void *area, size_t size)
{
  const uint8_t *bytes = area;

  for (size_t offset = 0; offset + ACPI_RSDP_V1_SIZE <= size;
       offset += ACPI_RSDP_ALIGN)
    if (acpi_rsdp_check(bytes + offset, size - offset) == ACPI_OK)
      return (long)offset;
  return -1;
}

static void
signature_copy(char out[ACPI_SIG_SIZE + 1], const char *signature)
{
  for (int i = 0; i < ACPI_SIG_SIZE; i++) {
    char c = signature[i];
    out[i] = (c >= ' ' && c <= '~') ? c : '?';
  }
  out[ACPI_SIG_SIZE] = '\0';
}

static unsigned
mapper_mark(const struct acpi_mapper *mapper)
{
  return mapper->mark ? mapper->mark(mapper->context) : 0;
}

static void
mapper_release(const struct acpi_mapper *mapper, unsigned mark)
{
  if (mapper->release)
    mapper->release(mapper->context, mark);
}

// Sum the table's `length` bytes a piece at a time: the first piece runs
// from the header to the end of its page (or the next, if the header
// leaves no more than itself on its page, so the piece always holds more
// than the header), the others are whole pages. Each piece is released
// once summed. The first piece must show the length the header showed (a
// table that changes between reads is refused).
static enum acpi_status
table_sum(const struct acpi_mapper *mapper, uint64_t phys, uint32_t length)
{
  uint8_t sum = 0;
  uint64_t done = 0;

  while (done < length) {
    uint64_t at = phys + done;
    uint64_t piece = ACPI_PAGE_SIZE - (at & (ACPI_PAGE_SIZE - 1));
    if (done == 0 && piece <= sizeof(struct acpi_sdt_header))
      piece += ACPI_PAGE_SIZE;
    if (piece > length - done)
      piece = length - done;
    unsigned mark = mapper_mark(mapper);
    const uint8_t *bytes = mapper->map(mapper->context, at, piece);
    if (!bytes)
      return ACPI_UNMAPPABLE;
    bool changed =
        done == 0 && ((const struct acpi_sdt_header *)bytes)->length != length;
    sum += acpi_checksum(bytes, piece);
    mapper_release(mapper, mark);
    if (changed)
      return ACPI_BAD_LENGTH; // changed under us
    done += piece;
  }
  return sum == 0 ? ACPI_OK : ACPI_BAD_CHECKSUM;
}

enum acpi_status
acpi_table_check(const struct acpi_mapper *mapper, uint64_t phys,
                 const char *signature, struct acpi_table *record)
{
  const struct acpi_sdt_header *header;
  unsigned mark = mapper_mark(mapper);

  bytes_clear(record, sizeof(*record));
  record->phys = phys;
  record->signature[0] = '\0';
  header = mapper->map(mapper->context, phys, sizeof(*header));
  if (!header)
    return record->status = ACPI_UNMAPPABLE;
  signature_copy(record->signature, header->signature);
  record->length = header->length;
  bool wrong_signature =
      signature && !bytes_equal(header->signature, signature, ACPI_SIG_SIZE);
  mapper_release(mapper, mark);
  if (wrong_signature)
    return record->status = ACPI_BAD_SIGNATURE;
  if (record->length < sizeof(*header) || record->length > ACPI_TABLE_MAX)
    return record->status = ACPI_BAD_LENGTH;
  if (phys > UINT64_MAX - record->length)
    return record->status = ACPI_UNMAPPABLE; // wraps around
  return record->status = table_sum(mapper, phys, record->length);
}

enum acpi_status
acpi_table_map(const struct acpi_mapper *mapper, uint64_t phys,
               const char *signature, struct acpi_table *record,
               const struct acpi_sdt_header **table)
{
  const struct acpi_sdt_header *full;

  if (acpi_table_check(mapper, phys, signature, record) != ACPI_OK)
    return record->status;
  full = mapper->map(mapper->context, phys, record->length);
  if (!full)
    return record->status = ACPI_UNMAPPABLE;
  // Checked again in the mapping that is kept: it is what will be read.
  if (full->length != record->length ||
      acpi_checksum(full, record->length) != 0)
    return record->status = ACPI_BAD_LENGTH; // changed under us
  *table = full;
  return record->status = ACPI_OK;
}

// The name of a table in the log: its signature, or its place in the root
// table when even its header could not be read.
static void
acpi_report_table(const struct acpi_table *t, unsigned index)
{
  if (t->status == ACPI_OK)
    kprintf("[acpi]   %s at 0x%lx, %u bytes\n", t->signature, t->phys,
            t->length);
  else if (t->signature[0])
    kprintf("[acpi]   %s at 0x%lx, %u bytes: %s, skipped\n", t->signature,
            t->phys, t->length, acpi_status_name(t->status));
  else
    kprintf("[acpi]   entry %u at 0x%lx: header unreadable (%s), skipped\n",
            index, t->phys, acpi_status_name(t->status));
}

// A valid table the kernel uses: map it whole and keep it (the first one of
// its signature only).
static const struct acpi_sdt_header *
acpi_keep(const struct acpi_mapper *mapper, const struct acpi_table *record)
{
  struct acpi_table again;
  const struct acpi_sdt_header *table = 0;

  if (acpi_table_map(mapper, record->phys, record->signature, &again, &table) !=
      ACPI_OK) {
    kprintf("[acpi]   %s: valid, but %s to keep mapped; not used\n",
            record->signature, acpi_status_name(again.status));
    return 0;
  }
  return table;
}

// The first MADT that parses is used; one too short for its fixed fields
// is released and the next one tried.
static void
acpi_use_madt(const struct acpi_mapper *mapper, const struct acpi_table *record,
              struct acpi_info *info)
{
  unsigned mark = mapper_mark(mapper);
  const struct acpi_sdt_header *table = acpi_keep(mapper, record);

  if (!table)
    return;
  enum acpi_status status = acpi_madt_parse(table, &info->madt);
  if (status == ACPI_MALFORMED)
    kprintf("[acpi] MADT: %s; using the entries before it\n",
            acpi_status_name(status));
  if (status != ACPI_OK && status != ACPI_MALFORMED) {
    kprintf("[acpi] MADT: %s; not used\n", acpi_status_name(status));
    bytes_clear(&info->madt, sizeof(info->madt));
    mapper_release(mapper, mark);
    return;
  }
  info->madt_table = table;
  info->madt_found = true;
}

static void
acpi_use_hpet(const struct acpi_mapper *mapper, const struct acpi_table *record,
              struct acpi_info *info)
{
  unsigned mark = mapper_mark(mapper);
  const struct acpi_sdt_header *table = acpi_keep(mapper, record);

  if (!table)
    return;
  enum acpi_status status = acpi_hpet_parse(table, &info->hpet);
  if (status != ACPI_OK) {
    kprintf("[acpi] HPET table: %s; not used\n", acpi_status_name(status));
    bytes_clear(&info->hpet, sizeof(info->hpet));
    mapper_release(mapper, mark);
    return;
  }
  info->hpet_table = table;
  info->hpet_found = true;
}

static bool
is(const struct acpi_table *record, const char *signature)
{
  return bytes_equal(record->signature, signature, ACPI_SIG_SIZE);
}

// Check one table; keep it mapped only if the kernel uses it.
static void
acpi_visit_table(const struct acpi_mapper *mapper, uint64_t phys,
                 struct acpi_info *info, unsigned index)
{
  struct acpi_table record;

  if (acpi_table_check(mapper, phys, 0, &record) == ACPI_OK)
    info->valid_count++;
  acpi_report_table(&record, index);
  if (index < ACPI_MAX_TABLES)
    info->tables[index] = record;
  if (record.status != ACPI_OK)
    return;
  if (is(&record, SIGNATURE_MADT) && !info->madt_found)
    acpi_use_madt(mapper, &record, info);
  else if (is(&record, SIGNATURE_FADT) && !info->fadt_table)
    info->fadt_table = acpi_keep(mapper, &record);
  else if (is(&record, SIGNATURE_HPET) && !info->hpet_found)
    acpi_use_hpet(mapper, &record, info);
}

// Map and check the root table (XSDT or RSDT); 0 when it is unusable.
static const struct acpi_sdt_header *
acpi_root_map(const struct acpi_mapper *mapper, bool xsdt, uint64_t phys)
{
  struct acpi_table record;
  const struct acpi_sdt_header *root = 0;
  const char *name = xsdt ? "XSDT" : "RSDT";

  if (acpi_table_map(mapper, phys, name, &record, &root) != ACPI_OK) {
    kprintf("[acpi] %s at 0x%lx: %s\n", name, phys,
            acpi_status_name(record.status));
    return 0;
  }
  return root;
}

bool
acpi_parse(const struct acpi_mapper *mapper, const struct acpi_rsdp *rsdp,
           struct acpi_info *info)
{
  const struct acpi_sdt_header *root = 0;

  bytes_clear(info, sizeof(*info));
  info->rsdp_revision = rsdp->revision;
  info->xsdt = rsdp->revision >= RSDP_REVISION_2 && rsdp->xsdt_address != 0;
  if (info->xsdt) {
    info->root_phys = rsdp->xsdt_address;
    root = acpi_root_map(mapper, true, info->root_phys);
    if (!root && rsdp->rsdt_address != 0)
      kprintf("[acpi] falling back to the RSDT\n");
  }
  if (!root) {
    info->xsdt = false;
    info->root_phys = rsdp->rsdt_address;
    if (info->root_phys == 0 ||
        !(root = acpi_root_map(mapper, false, info->root_phys)))
      return false;
  }

  unsigned entry_size = info->xsdt ? XSDT_ENTRY_SIZE : RSDT_ENTRY_SIZE;
  const uint8_t *entries = (const uint8_t *)(root + 1);
  info->table_count = (root->length - sizeof(*root)) / entry_size;
  kprintf("[acpi] %s at 0x%lx: %u tables\n", info->xsdt ? "XSDT" : "RSDT",
          info->root_phys, info->table_count);
  for (unsigned i = 0; i < info->table_count; i++)
    acpi_visit_table(mapper,
                     acpi_read_le(entries + i * entry_size, (int)entry_size),
                     info, i);
  return true;
}
