#ifndef ACPI_H
#define ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// ACPI table parsing (acpi.c, madt.c) works on memory that a mapper
// makes readable, so the same code runs in the kernel (tables mapped into
// the ACPI area by boot.c) and in host tests (tables built in buffers).
// Structures: ACPI specification 6.5, section 5.2.

#define ACPI_RSDP_V1_SIZE 20 // revision 0: up to and including rsdt_address
#define ACPI_RSDP_V2_SIZE 36 // revision 2+: the whole structure
#define ACPI_RSDP_ALIGN   16 // BIOS: on a 16-byte boundary (5.2.5.1)
#define ACPI_SIG_SIZE     4

// Root System Description Pointer, 5.2.5.3.
struct acpi_rsdp {
  char signature[8]; // "RSD PTR "
  uint8_t checksum;  // the first 20 bytes add up to zero
  char oem_id[6];
  uint8_t revision;          // 0: ACPI 1.0; 2: ACPI 2.0 and later
  uint32_t rsdt_address;     // physical address of the RSDT
  uint32_t length;           // revision 2+: size of the whole structure
  uint64_t xsdt_address;     // revision 2+: physical address of the XSDT
  uint8_t extended_checksum; // revision 2+: all `length` bytes add up to zero
  uint8_t reserved[3];
} __attribute__((packed));

// System Description Table header, 5.2.6: starts every table but FACS.
struct acpi_sdt_header {
  char signature[ACPI_SIG_SIZE];
  uint32_t length; // whole table, header included
  uint8_t revision;
  uint8_t checksum; // all `length` bytes add up to zero
  char oem_id[6];
  char oem_table_id[8];
  uint32_t oem_revision;
  uint32_t creator_id;
  uint32_t creator_revision;
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_rsdp) == ACPI_RSDP_V2_SIZE, "RSDP size");
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header size");

enum acpi_status {
  ACPI_OK = 0,
  ACPI_BAD_SIGNATURE,
  ACPI_BAD_CHECKSUM,
  ACPI_BAD_EXTENDED_CHECKSUM,
  ACPI_BAD_LENGTH, // shorter than its header or fixed fields, over 16 MiB
  ACPI_TRUNCATED,  // fewer bytes available than the structure claims
  ACPI_UNMAPPABLE, // the mapper could not map it (does not fit, or absent)
  ACPI_MALFORMED,  // a MADT entry runs past the table or is too short
};

// map makes [phys, phys + length) readable and returns its address, or 0
// when it cannot (the range does not fit where it maps, or is not there).
// What it returned stays readable until the parse is over, unless released:
// mark returns the mapper's state now and release(mark) gives back all
// that was mapped since, so a table that is only checked keeps no room.
// mark and release may both be null (nothing is ever given back).
struct acpi_mapper {
  const void *(*map)(void *context, uint64_t phys, uint64_t length);
  void *context;
  unsigned (*mark)(void *context);
  void (*release)(void *context, unsigned mark);
};

// What the MADT says (5.2.12). Lists keep the first entries that fit; the
// counts are complete.
#define MADT_MAX_CPUS      64
#define MADT_MAX_IOAPICS   8
#define MADT_MAX_OVERRIDES 16
#define MADT_MAX_LINT_NMIS 16
#define MADT_UID_ALL       0xFFFFFFFFu // an NMI entry for every processor

struct madt_ioapic {
  uint32_t id;
  uint64_t address;  // physical
  uint32_t gsi_base; // first global system interrupt it handles
};

// A local APIC NMI entry (5.2.12.7) or local x2APIC NMI entry (5.2.12.13):
// which LINT pin of which processor carries NMI, and its polarity.
struct madt_lint_nmi {
  uint32_t uid;   // ACPI processor UID, or MADT_UID_ALL
  uint16_t flags; // MPS INTI flags (table 5.26): polarity in bits 1..0
  uint8_t lint;   // 0 or 1
};

struct madt_override {
  uint8_t bus;    // 0: ISA
  uint8_t source; // ISA IRQ
  uint32_t gsi;   // global system interrupt it is wired to
  uint16_t flags; // MPS INTI flags: polarity, trigger mode
};

struct madt_info {
  uint64_t lapic_address; // 32-bit field, or the 64-bit override
  bool lapic_overridden;
  bool pcat_compat; // dual 8259s present (must be masked)
  // Processors, each counted once: a local x2APIC entry with an ID below
  // 0xFF in a MADT that has local APIC entries repeats one of those (ACPI
  // 6.5, 5.2.12.12) and is ignored, as is a local APIC entry with ID 0xFF.
  unsigned cpus;           // enabled: running now
  unsigned cpus_hotplug;   // online capable (MADT revision 5+): may come later
  unsigned cpus_disabled;  // neither: never to be used
  unsigned cpus_ignored;   // entries not counted (duplicates, ID 0xFF)
  unsigned lapic_entries;  // local APIC entries (type 0)
  unsigned x2apic_entries; // local x2APIC entries (type 9)
  uint32_t cpu_apic_ids[MADT_MAX_CPUS]; // of the enabled ones
  uint32_t cpu_uids[MADT_MAX_CPUS];     // their ACPI processor UIDs
  unsigned ioapic_count;
  struct madt_ioapic ioapics[MADT_MAX_IOAPICS];
  unsigned override_count;
  struct madt_override overrides[MADT_MAX_OVERRIDES];
  unsigned nmi_entries;    // NMI source and local (x2)APIC NMI entries
  unsigned lint_nmi_count; // local (x2)APIC NMI entries, kept below
  struct madt_lint_nmi lint_nmis[MADT_MAX_LINT_NMIS];
  unsigned unknown_entries; // types this parser does not know (skipped)
};

// What the HPET table says (IA-PC HPET specification 1.0a, 3.2.4).
struct acpi_hpet {
  uint64_t address;              // physical address of the register block
  uint32_t event_timer_block_id; // the capabilities register's low half
  uint8_t number;                // HPET sequence number
  uint16_t min_tick;      // main counter tick of the smallest periodic interval
  bool address_in_memory; // the address is in system memory space (else I/O)
};

#define ACPI_MAX_TABLES 32

struct acpi_table {
  char signature[ACPI_SIG_SIZE + 1];
  uint64_t phys;
  uint32_t length;
  enum acpi_status status; // ACPI_OK: length and checksum checked
};

struct acpi_info {
  uint8_t rsdp_revision;
  bool xsdt; // root table is the XSDT (else the RSDT)
  uint64_t root_phys;
  unsigned table_count; // entries in the root table
  unsigned valid_count; // of those, tables that passed the checks
  struct acpi_table tables[ACPI_MAX_TABLES]; // the first ACPI_MAX_TABLES
  bool madt_found;
  struct madt_info madt;
  bool hpet_found;
  struct acpi_hpet hpet;
  // The tables the kernel uses stay mapped (the first valid one of each
  // signature); every other table is released once checked. Null when not
  // found, or found valid but too large to keep mapped.
  const struct acpi_sdt_header *fadt_table, *madt_table, *hpet_table;
};

// Sum of `length` bytes modulo 256; a valid structure sums to 0.
uint8_t acpi_checksum(const void *data, size_t length);

// Check an RSDP of which `available` bytes are readable: signature,
// checksum, and for revision 2+ the length and extended checksum.
enum acpi_status acpi_rsdp_check(const void *data, size_t available);

// The offset of the first valid RSDP at a 16-byte boundary in
// [area, area + size), or -1.
long acpi_rsdp_scan(const void *area, size_t size);

// Check the table at phys: its length covers its header, all of it is
// readable and it sums to 0; with `signature` non-null it must have that
// signature too. It is read a page at a time, each piece released once
// summed, so a table of any length is checked in a window of two pages.
// *record gets what could be learnt (address, signature, length, status).
// Nothing stays mapped.
enum acpi_status acpi_table_check(const struct acpi_mapper *mapper,
                                  uint64_t phys, const char *signature,
                                  struct acpi_table *record);

// acpi_table_check, then map the whole table and keep it mapped: *table is
// set only on ACPI_OK. A valid table too long to map in one piece gives
// ACPI_UNMAPPABLE.
enum acpi_status acpi_table_map(const struct acpi_mapper *mapper, uint64_t phys,
                                const char *signature,
                                struct acpi_table *record,
                                const struct acpi_sdt_header **table);

// Walk the XSDT (revision 2+ with a non-zero address) or else the RSDT of a
// checked RSDP: check every table it lists, print each signature, and parse
// the MADT and the HPET table. The root table, the FADT, the MADT and the
// HPET table stay mapped; every other table is released once checked.
// Returns false when the root table itself is unusable; tables that fail
// their checks are reported and skipped.
bool acpi_parse(const struct acpi_mapper *mapper, const struct acpi_rsdp *rsdp,
                struct acpi_info *info);

// Fill *madt from a checked MADT (all its length readable). Entries it
// does not know are skipped; an entry that is too short or runs past the
// end stops the walk with ACPI_MALFORMED (what came before is kept).
enum acpi_status acpi_madt_parse(const struct acpi_sdt_header *table,
                                 struct madt_info *madt);

// Does the MADT route NMI to LINT pin `lint` (0 or 1) of the enabled
// processor whose local APIC ID is `apic_id`? *active_low gets the pin's
// polarity (MPS INTI flags; "conforms to the bus" is active high).
bool acpi_madt_lint_nmi(const struct madt_info *madt, uint32_t apic_id,
                        unsigned lint, bool *active_low);

// Fill *hpet from a checked HPET table; ACPI_BAD_LENGTH when it is shorter
// than its fixed fields.
enum acpi_status acpi_hpet_parse(const struct acpi_sdt_header *table,
                                 struct acpi_hpet *hpet);

const char *acpi_status_name(enum acpi_status status);

#endif
