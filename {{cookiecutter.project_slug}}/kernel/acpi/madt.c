// The MADT ("APIC" table): where the local APICs are, which processors are
// enabled, the I/O APICs and how ISA IRQs map to global system interrupts.
// ACPI specification 6.5, 5.2.12 "Multiple APIC Description Table", table
// 5.21 for the entry types. The caller has checked the table's length and
// checksum; every entry is bounds-checked here before it is read.

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acpi/acpi.h"

#define MADT_OFF_LAPIC_ADDRESS 36 // u32: local APIC physical address
#define MADT_OFF_FLAGS         40 // u32: MADT_FLAG_*
#define MADT_OFF_ENTRIES       44 // interrupt controller structures start
#define MADT_FLAG_PCAT_COMPAT  (1u << 0) // the PC's dual 8259s are present

// Entry header: type, then length of the whole entry (5.2.12, table 5.21).
#define MADT_ENTRY_HEADER 2

#define MADT_TYPE_LAPIC          0  // 5.2.12.2
#define MADT_TYPE_IOAPIC         1  // 5.2.12.3
#define MADT_TYPE_OVERRIDE       2  // 5.2.12.5 interrupt source override
#define MADT_TYPE_NMI_SOURCE     3  // 5.2.12.6
#define MADT_TYPE_LAPIC_NMI      4  // 5.2.12.7
#define MADT_TYPE_LAPIC_OVERRIDE 5  // 5.2.12.8 64-bit local APIC address
#define MADT_TYPE_X2APIC         9  // 5.2.12.12
#define MADT_TYPE_X2APIC_NMI     10 // 5.2.12.13

// Minimum lengths of the entries read here.
#define MADT_LEN_LAPIC          8
#define MADT_LEN_IOAPIC         12
#define MADT_LEN_OVERRIDE       10
#define MADT_LEN_NMI_SOURCE     8
#define MADT_LEN_LAPIC_NMI      6
#define MADT_LEN_LAPIC_OVERRIDE 12
#define MADT_LEN_X2APIC         16
#define MADT_LEN_X2APIC_NMI     12

// Processor flags (local APIC and x2APIC entries), table 5.23.
#define MADT_CPU_ENABLED        (1u << 0)
#define MADT_CPU_ONLINE_CAPABLE (1u << 1) // may be enabled later (hot add)
// Online Capable is defined from MADT revision 5 (ACPI 6.3); before, bit 1
// is reserved and a disabled processor may or may not come later.
#define MADT_REVISION_ONLINE_CAPABLE 5
// A local APIC entry with this ID describes no processor.
#define MADT_LAPIC_ID_NONE 0xFF
// A local APIC NMI entry with this processor UID is for every processor.
#define MADT_LAPIC_UID_ALL 0xFF
// MPS INTI flags, polarity (bits 1..0): 11b is active low.
#define MADT_POLARITY_MASK      0x3
#define MADT_POLARITY_ACTIVE_LO 0x3

static uint64_t
madt_read_le(const uint8_t *bytes, int size)
{
  uint64_t value = 0;

  for (int i = size - 1; i >= 0; i--)
    value = (value << 8) | bytes[i];
  return value;
}

static unsigned
madt_min_length(uint8_t type)
{
  switch (type) {
  case MADT_TYPE_LAPIC:
    return MADT_LEN_LAPIC;
  case MADT_TYPE_IOAPIC:
    return MADT_LEN_IOAPIC;
  case MADT_TYPE_OVERRIDE:
    return MADT_LEN_OVERRIDE;
  case MADT_TYPE_NMI_SOURCE:
    return MADT_LEN_NMI_SOURCE;
  case MADT_TYPE_LAPIC_NMI:
    return MADT_LEN_LAPIC_NMI;
  case MADT_TYPE_LAPIC_OVERRIDE:
    return MADT_LEN_LAPIC_OVERRIDE;
  case MADT_TYPE_X2APIC:
    return MADT_LEN_X2APIC;
  case MADT_TYPE_X2APIC_NMI:
    return MADT_LEN_X2APIC_NMI;
  default:
    return MADT_ENTRY_HEADER;
  }
}

// What the walk needs to know besides the results.
struct madt_walk {
  bool online_capable_defined; // MADT revision 5+
  bool has_lapic_cpus;         // a local APIC entry with a real ID is listed
};

static void
madt_add_cpu(struct madt_info *madt, const struct madt_walk *walk,
             uint32_t apic_id, uint32_t uid, uint32_t flags)
{
  if (flags & MADT_CPU_ENABLED) {
    if (madt->cpus < MADT_MAX_CPUS) {
      madt->cpu_apic_ids[madt->cpus] = apic_id;
      madt->cpu_uids[madt->cpus] = uid;
    }
    madt->cpus++;
  } else if (walk->online_capable_defined &&
             (flags & MADT_CPU_ONLINE_CAPABLE)) {
    madt->cpus_hotplug++;
  } else {
    madt->cpus_disabled++;
  }
}

// Local APIC entry: ID 0xFF is no processor.
static void
madt_add_lapic(struct madt_info *madt, const struct madt_walk *walk,
               const uint8_t *entry)
{
  madt->lapic_entries++;
  if (entry[3] == MADT_LAPIC_ID_NONE) {
    madt->cpus_ignored++;
    return;
  }
  madt_add_cpu(madt, walk, entry[3], entry[2],
               (uint32_t)madt_read_le(entry + 4, 4));
}

// Local x2APIC entry: firmware that lists processors with IDs below 0xFF
// as local APIC entries may list them again here; those are the same CPUs.
static void
madt_add_x2apic(struct madt_info *madt, const struct madt_walk *walk,
                const uint8_t *entry)
{
  uint32_t apic_id = (uint32_t)madt_read_le(entry + 4, 4);

  madt->x2apic_entries++;
  if (walk->has_lapic_cpus && apic_id < MADT_LAPIC_ID_NONE) {
    madt->cpus_ignored++;
    return;
  }
  madt_add_cpu(madt, walk, apic_id, (uint32_t)madt_read_le(entry + 12, 4),
               (uint32_t)madt_read_le(entry + 8, 4));
}

// Local APIC NMI entry: UID (1 byte, 0xFF: all), flags, LINT#. Local
// x2APIC NMI entry: flags, UID (4 bytes, 0xFFFFFFFF: all), LINT#.
static void
madt_add_lint_nmi(struct madt_info *madt, const uint8_t *entry)
{
  struct madt_lint_nmi nmi;

  if (entry[0] == MADT_TYPE_LAPIC_NMI) {
    nmi.uid = entry[2] == MADT_LAPIC_UID_ALL ? MADT_UID_ALL : entry[2];
    nmi.flags = (uint16_t)madt_read_le(entry + 3, 2);
    nmi.lint = entry[5];
  } else {
    nmi.flags = (uint16_t)madt_read_le(entry + 2, 2);
    nmi.uid = (uint32_t)madt_read_le(entry + 4, 4);
    nmi.lint = entry[8];
  }
  if (madt->lint_nmi_count < MADT_MAX_LINT_NMIS)
    madt->lint_nmis[madt->lint_nmi_count] = nmi;
  madt->lint_nmi_count++;
}

bool
acpi_madt_lint_nmi(const struct madt_info *madt, uint32_t apic_id,
                   unsigned lint, bool *active_low)
{
  unsigned cpus = madt->cpus < MADT_MAX_CPUS ? madt->cpus : MADT_MAX_CPUS;
  unsigned nmis = madt->lint_nmi_count < MADT_MAX_LINT_NMIS
                      ? madt->lint_nmi_count
                      : MADT_MAX_LINT_NMIS;
  unsigned cpu = 0;

  while (cpu < cpus && madt->cpu_apic_ids[cpu] != apic_id)
    cpu++;
  if (cpu == cpus)
    return false; // not an enabled processor of this MADT
  for (unsigned i = 0; i < nmis; i++) {
    const struct madt_lint_nmi *nmi = &madt->lint_nmis[i];
    if (nmi->lint == lint &&
        (nmi->uid == MADT_UID_ALL || nmi->uid == madt->cpu_uids[cpu])) {
      *active_low =
          (nmi->flags & MADT_POLARITY_MASK) == MADT_POLARITY_ACTIVE_LO;
      return true;
    }
  }
  return false;
}

static void
madt_add_ioapic(struct madt_info *madt, const uint8_t *entry)
{
  if (madt->ioapic_count < MADT_MAX_IOAPICS) {
    struct madt_ioapic *io = &madt->ioapics[madt->ioapic_count];
    io->id = entry[2];
    io->address = madt_read_le(entry + 4, 4);
    io->gsi_base = (uint32_t)madt_read_le(entry + 8, 4);
  }
  madt->ioapic_count++;
}

static void
madt_add_override(struct madt_info *madt, const uint8_t *entry)
{
  if (madt->override_count < MADT_MAX_OVERRIDES) {
    struct madt_override *o = &madt->overrides[madt->override_count];
    o->bus = entry[2];
    o->source = entry[3];
    o->gsi = (uint32_t)madt_read_le(entry + 4, 4);
    o->flags = (uint16_t)madt_read_le(entry + 8, 2);
  }
  madt->override_count++;
}

static void
madt_entry(struct madt_info *madt, const struct madt_walk *walk,
           const uint8_t *entry)
{
  switch (entry[0]) {
  case MADT_TYPE_LAPIC:
    madt_add_lapic(madt, walk, entry);
    break;
  case MADT_TYPE_X2APIC:
    madt_add_x2apic(madt, walk, entry);
    break;
  case MADT_TYPE_IOAPIC:
    madt_add_ioapic(madt, entry);
    break;
  case MADT_TYPE_OVERRIDE:
    madt_add_override(madt, entry);
    break;
  case MADT_TYPE_LAPIC_OVERRIDE:
    madt->lapic_address = madt_read_le(entry + 4, 8);
    madt->lapic_overridden = true;
    break;
  case MADT_TYPE_NMI_SOURCE:
    madt->nmi_entries++;
    break;
  case MADT_TYPE_LAPIC_NMI:
  case MADT_TYPE_X2APIC_NMI:
    madt->nmi_entries++;
    madt_add_lint_nmi(madt, entry);
    break;
  default:
    madt->unknown_entries++;
    break;
  }
}

// The entry at `offset`, or 0 at the end; *status becomes ACPI_MALFORMED
// when the entry is too short for its type or runs past the table.
static const uint8_t *
madt_next(const uint8_t *bytes, uint32_t length, uint32_t offset,
          enum acpi_status *status)
{
  const uint8_t *entry = bytes + offset;
  uint32_t left = length - offset;

  if (offset >= length)
    return 0;
  if (left < MADT_ENTRY_HEADER || entry[1] < madt_min_length(entry[0]) ||
      entry[1] > left) {
    *status = ACPI_MALFORMED;
    return 0;
  }
  return entry;
}

// Is a processor listed as a local APIC entry? (The first pass: x2APIC
// entries may come before the local APIC entries they repeat.)
static bool
madt_has_lapic_cpus(const uint8_t *bytes, uint32_t length)
{
  enum acpi_status status = ACPI_OK;
  const uint8_t *entry;

  for (uint32_t offset = MADT_OFF_ENTRIES;
       (entry = madt_next(bytes, length, offset, &status)) != 0;
       offset += entry[1])
    if (entry[0] == MADT_TYPE_LAPIC && entry[3] != MADT_LAPIC_ID_NONE)
      return true;
  return false;
}

enum acpi_status
acpi_madt_parse(const struct acpi_sdt_header *table, struct madt_info *madt)
{
  const uint8_t *bytes = (const uint8_t *)table;
  uint32_t length = table->length;
  volatile uint8_t *clear =
      (volatile uint8_t *)madt; // volatile: no memset call
  enum acpi_status status = ACPI_OK;
  const uint8_t *entry;

  for (size_t i = 0; i < sizeof(*madt); i++)
    clear[i] = 0;
  if (length < MADT_OFF_ENTRIES)
    return ACPI_BAD_LENGTH;
  madt->lapic_address = madt_read_le(bytes + MADT_OFF_LAPIC_ADDRESS, 4);
  madt->pcat_compat =
      madt_read_le(bytes + MADT_OFF_FLAGS, 4) & MADT_FLAG_PCAT_COMPAT;
  struct madt_walk walk = {
      .online_capable_defined = table->revision >= MADT_REVISION_ONLINE_CAPABLE,
      .has_lapic_cpus = madt_has_lapic_cpus(bytes, length),
  };

  for (uint32_t offset = MADT_OFF_ENTRIES;
       (entry = madt_next(bytes, length, offset, &status)) != 0;
       offset += entry[1])
    madt_entry(madt, &walk, entry);
  return status;
}
