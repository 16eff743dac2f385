// The kernel's side of ACPI: where the RSDP comes from, and the ACPI area
// [LAYOUT_ACPI_AREA_BASE, + PAGES pages) where tables are mapped read-only
// (area.c decides where). acpi.c does the parsing and checking; a
// table that does not fit in what is left of the area is reported there
// and skipped. The area's top page can be lent out for the HPET's
// registers, which the HPET table describes.

#include <stdbool.h>
#include <stdint.h>

#include "acpi/acpi.h"
#include "acpi/area.h"
#include "acpi/boot.h"
#include "bootinfo.h"
#include "dev/lapic.h"
#include "dev/mmio.h"
#include "layout.h"
#include "lib/kprintf.h"

// BIOS areas that may hold the RSDP, ACPI 6.5 section 5.2.5.1.
#define BDA_EBDA_SEGMENT 0x40E   // u16 in the BIOS data area
#define EBDA_SEARCH_SIZE 1024    // the first KiB of the EBDA
#define EBDA_LOWEST      0x80000 // sanity bounds for the EBDA segment
#define EBDA_HIGHEST     0xA0000
#define BIOS_AREA_START  0xE0000
#define BIOS_AREA_END    0x100000

static bool
area_map_pages(void *context, uint64_t virt, uint64_t phys, uint64_t pages)
{
  (void)context;
  return mmio_map(virt, phys, pages, MMIO_NO_EXEC) != 0;
}

static struct acpi_area area = {
    .base = LAYOUT_ACPI_AREA_BASE,
    .pages = LAYOUT_ACPI_AREA_PAGES,
    .map = area_map_pages,
};
static struct acpi_info acpi;
static struct acpi_rsdp rsdp_copy;
static bool acpi_ok;

static const uint8_t *
low_memory(uint64_t phys)
{
  return (const uint8_t *)(LAYOUT_KERNEL_VIRT_BASE + phys);
}

// Scan [start, end) of low memory (mapped in the kernel window); the RSDP's
// physical address, or 0.
static uint64_t
rsdp_scan_low(uint64_t start, uint64_t end, const char *what)
{
  long offset = acpi_rsdp_scan(low_memory(start), end - start);

  if (offset < 0)
    return 0;
  kprintf("[acpi] RSDP found in the %s at 0x%lx\n", what, start + offset);
  return start + (uint64_t)offset;
}

static void
rsdp_keep(const uint8_t *rsdp)
{
  uint8_t *copy = (uint8_t *)&rsdp_copy;
  size_t size = ((const struct acpi_rsdp *)rsdp)->revision >= 2
                    ? ACPI_RSDP_V2_SIZE
                    : ACPI_RSDP_V1_SIZE;

  for (size_t i = 0; i < sizeof(rsdp_copy); i++)
    copy[i] = i < size ? rsdp[i] : 0;
}

// Stage2's copy first (the EBDA may have been overwritten since: the boot
// page tables can overlap it), then the BIOS areas. 0 when there is none.
static uint64_t
rsdp_find(const struct boot_info *info)
{
  uint64_t phys;

  if (info->rsdp_addr != 0) {
    enum acpi_status status =
        acpi_rsdp_check(info->rsdp_copy, BOOTINFO_RSDP_COPY_SIZE);
    if (status == ACPI_OK) {
      rsdp_keep(info->rsdp_copy);
      return info->rsdp_addr;
    }
    kprintf("[acpi] stage2's RSDP copy (from 0x%lx): %s; scanning\n",
            info->rsdp_addr, acpi_status_name(status));
  }
  uint64_t ebda = (uint64_t) * (const uint16_t *)low_memory(BDA_EBDA_SEGMENT)
                  << 4;
  if (ebda >= EBDA_LOWEST && ebda + EBDA_SEARCH_SIZE <= EBDA_HIGHEST &&
      (phys = rsdp_scan_low(ebda, ebda + EBDA_SEARCH_SIZE, "EBDA")) != 0) {
    rsdp_keep(low_memory(phys));
    return phys;
  }
  if ((phys = rsdp_scan_low(BIOS_AREA_START, BIOS_AREA_END, "BIOS area")) !=
      0) {
    rsdp_keep(low_memory(phys));
    return phys;
  }
  return 0;
}

static void
acpi_print_madt(const struct madt_info *madt)
{
  kprintf("[acpi] MADT: local APIC at 0x%lx%s, %u CPU(s) enabled (APIC ids",
          madt->lapic_address,
          madt->lapic_overridden ? " (64-bit override)" : "", madt->cpus);
  for (unsigned i = 0; i < madt->cpus && i < MADT_MAX_CPUS; i++)
    kprintf(" %u", madt->cpu_apic_ids[i]);
  kprintf("), %u unusable, %u x2APIC entries%s\n",
          madt->cpus_hotplug + madt->cpus_disabled, madt->x2apic_entries,
          madt->pcat_compat ? ", 8259 PICs present" : "");
  if (madt->cpus_hotplug || madt->cpus_ignored)
    kprintf("[acpi] MADT: of those unusable, %u online capable (may be "
            "added later); %u entries not counted (ID 0xFF, or x2APIC "
            "repeats of local APIC entries)\n",
            madt->cpus_hotplug, madt->cpus_ignored);
  for (unsigned i = 0; i < madt->ioapic_count && i < MADT_MAX_IOAPICS; i++)
    kprintf("[acpi] MADT: I/O APIC id %u at 0x%lx, GSI base %u\n",
            madt->ioapics[i].id, madt->ioapics[i].address,
            madt->ioapics[i].gsi_base);
  for (unsigned i = 0; i < madt->override_count && i < MADT_MAX_OVERRIDES; i++)
    kprintf("[acpi] MADT: override bus %u IRQ %u -> GSI %u, flags 0x%x\n",
            madt->overrides[i].bus, madt->overrides[i].source,
            madt->overrides[i].gsi, madt->overrides[i].flags);
  kprintf("[acpi] MADT: %u NMI entries, %u unknown entries skipped\n",
          madt->nmi_entries, madt->unknown_entries);
}

bool
acpi_init(const struct boot_info *info)
{
  struct acpi_mapper mapper = {acpi_area_map, &area, acpi_area_mark,
                               acpi_area_release};
  uint64_t rsdp_phys = rsdp_find(info);

  if (rsdp_phys == 0) {
    kprintf("[acpi] no ACPI: no valid RSDP from stage2, in the EBDA or in "
            "0xE0000-0xFFFFF; going on with 1 CPU\n");
    return false;
  }
  kprintf("[acpi] RSDP at 0x%lx: revision %u, OEM '%c%c%c%c%c%c'\n", rsdp_phys,
          rsdp_copy.revision, rsdp_copy.oem_id[0], rsdp_copy.oem_id[1],
          rsdp_copy.oem_id[2], rsdp_copy.oem_id[3], rsdp_copy.oem_id[4],
          rsdp_copy.oem_id[5]);
  acpi_ok = acpi_parse(&mapper, &rsdp_copy, &acpi);
  if (!acpi_ok) {
    kprintf(
        "[acpi] no usable RSDT or XSDT: going on as if there were no ACPI\n");
    return false;
  }
  kprintf("[acpi] %u of %u tables valid; ACPI area: %lu of %lu pages kept "
          "mapped, at most %lu in use while checking\n",
          acpi.valid_count, acpi.table_count, area.next_slot,
          (uint64_t)LAYOUT_ACPI_AREA_PAGES, area.peak);
  if (acpi.madt_found)
    acpi_print_madt(&acpi.madt);
  else
    kprintf("[acpi] no MADT: assuming 1 CPU\n");
  if (acpi.hpet_found)
    kprintf("[acpi] HPET: registers at 0x%lx%s, number %u, block id 0x%x\n",
            acpi.hpet.address,
            acpi.hpet.address_in_memory ? "" : " (not in memory space)",
            acpi.hpet.number, acpi.hpet.event_timer_block_id);
  return true;
}

static const char *
lint_name(enum lapic_lint how)
{
  return how == LAPIC_LINT_MASKED           ? "masked"
         : how == LAPIC_LINT_NMI_ACTIVE_LOW ? "NMI, active low"
                                            : "NMI, active high";
}

// The MADT's NMI entry for pin `lint` of this CPU, if it has one.
static bool
madt_lint_nmi(unsigned lint, bool *active_low)
{
  return acpi_ok && acpi.madt_found &&
         acpi_madt_lint_nmi(&acpi.madt, lapic_id(), lint, active_low);
}

// This CPU's two pins, as acpi_wire_lints sets them; true when the MADT
// named the NMI pin (else LINT1 is taken, the PC's wiring).
static bool
lint_wiring(bool boot_cpu, enum lapic_lint pins[2])
{
  bool low[2] = {false, false};
  bool nmi[2] = {madt_lint_nmi(0, &low[0]), madt_lint_nmi(1, &low[1])};
  bool named = nmi[0] || nmi[1];

  if (!named)
    nmi[1] = true;
  for (unsigned i = 0; i < 2; i++)
    pins[i] = !boot_cpu || !nmi[i] ? LAPIC_LINT_MASKED
              : low[i]             ? LAPIC_LINT_NMI_ACTIVE_LOW
                                   : LAPIC_LINT_NMI_ACTIVE_HIGH;
  return named;
}

enum lapic_lint
acpi_wire_lint(unsigned lint, bool boot_cpu)
{
  enum lapic_lint pins[2];

  lint_wiring(boot_cpu, pins);
  return pins[lint];
}

void
acpi_wire_lints(bool boot_cpu)
{
  enum lapic_lint pins[2];
  bool named = lint_wiring(boot_cpu, pins);

  lapic_set_lint(0, pins[0]);
  lapic_set_lint(1, pins[1]);
  if (boot_cpu)
    kprintf("[lapic] LINT0 %s, LINT1 %s (%s); the other CPUs mask both\n",
            lint_name(pins[0]), lint_name(pins[1]),
            named ? "the MADT's NMI entries"
                  : "no MADT NMI entry: the PC's wiring");
}

unsigned
acpi_cpu_count(void)
{
  if (!acpi_ok || !acpi.madt_found || acpi.madt.cpus == 0)
    return 1; // the CPU running this code exists
  return acpi.madt.cpus;
}

uint64_t
acpi_lapic_address(void)
{
  return acpi_ok && acpi.madt_found ? acpi.madt.lapic_address : 0;
}

uint64_t
acpi_hpet_address(void)
{
  if (!acpi_ok || !acpi.hpet_found || !acpi.hpet.address_in_memory)
    return 0;
  return acpi.hpet.address;
}

uint64_t
acpi_hpet_page(void)
{
  return acpi_hpet_address() ? acpi_area_take_top(&area, 1) : 0;
}

const struct acpi_info *
acpi_result(void)
{
  return &acpi;
}
