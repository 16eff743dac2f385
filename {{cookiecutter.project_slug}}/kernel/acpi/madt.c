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

static void
madt_add_cpu(struct madt_info *madt, uint32_t apic_id, uint32_t flags)
{
  if (!(flags & MADT_CPU_ENABLED)) {
    madt->cpus_unusable++;
    return;
  }
  if (madt->cpus < MADT_MAX_CPUS)
    madt->cpu_apic_ids[madt->cpus] = apic_id;
  madt->cpus++;
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
madt_entry(struct madt_info *madt, const uint8_t *entry)
{
  switch (entry[0]) {
  case MADT_TYPE_LAPIC:
    madt_add_cpu(madt, entry[3], (uint32_t)madt_read_le(entry + 4, 4));
    break;
  case MADT_TYPE_X2APIC:
    madt->x2apic_entries++;
    madt_add_cpu(madt, (uint32_t)madt_read_le(entry + 4, 4),
                 (uint32_t)madt_read_le(entry + 8, 4));
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
  case MADT_TYPE_LAPIC_NMI:
  case MADT_TYPE_X2APIC_NMI:
    madt->nmi_entries++;
    break;
  default:
    madt->unknown_entries++;
    break;
  }
}

enum acpi_status
acpi_madt_parse(const struct acpi_sdt_header *table, struct madt_info *madt)
{
  const uint8_t *bytes = (const uint8_t *)table;
  uint32_t length = table->length;
  volatile uint8_t *clear =
      (volatile uint8_t *)madt; // volatile: no memset call

  for (size_t i = 0; i < sizeof(*madt); i++)
    clear[i] = 0;
  if (length < MADT_OFF_ENTRIES)
    return ACPI_BAD_LENGTH;
  madt->lapic_address = madt_read_le(bytes + MADT_OFF_LAPIC_ADDRESS, 4);
  madt->pcat_compat =
      madt_read_le(bytes + MADT_OFF_FLAGS, 4) & MADT_FLAG_PCAT_COMPAT;

  for (uint32_t offset = MADT_OFF_ENTRIES; offset < length;) {
    const uint8_t *entry = bytes + offset;
    uint32_t left = length - offset;
    if (left < MADT_ENTRY_HEADER || entry[1] < madt_min_length(entry[0]) ||
        entry[1] > left)
      return ACPI_MALFORMED;
    madt_entry(madt, entry);
    offset += entry[1];
  }
  return ACPI_OK;
}
