#ifndef ACPI_BOOT_H
#define ACPI_BOOT_H

#include <stdbool.h>
#include <stdint.h>

#include "acpi/acpi.h"
#include "bootinfo.h"
#include "dev/lapic.h"

// Find the RSDP (stage2's copy, else a scan of the EBDA and 0xE0000-0xFFFFF),
// map and check the ACPI tables in the ACPI area, parse the MADT, and log
// what was found. Returns false, after saying so, on a machine without
// (usable) ACPI; the kernel then goes on with one CPU. Call once, after
// gdt_init/idt_init (a fault while mapping is then reported).
bool acpi_init(const struct boot_info *info);

// After acpi_init: enabled CPUs in the MADT (1 without ACPI or MADT), and
// the local APIC's physical address from the MADT (0 when unknown).
unsigned acpi_cpu_count(void);
uint64_t acpi_lapic_address(void);

// After acpi_init: the HPET's register block from the HPET table (0 when
// there is none, or it is not in memory space).
uint64_t acpi_hpet_address(void);

// After acpi_init: a page of virtual address space for the HPET's
// registers, taken off the top of the ACPI area (tables are done with by
// then), which the caller maps; 0 when there is no HPET or no page left.
// Call once.
uint64_t acpi_hpet_page(void);

// Set this CPU's LINT0 and LINT1 (after lapic_init or lapic_init_ap).
// External NMIs (a chipset's memory or bus error, an NMI button) go to the
// boot CPU alone, as Linux sends them, so that one CPU handles each once:
// on the pin the MADT's local APIC NMI entries name for it, with their
// polarity, or LINT1 (the PC's wiring) when they name none. Every other
// pin is masked, the APs' both (the kernel takes no interrupt through the
// 8259s' virtual wire on LINT0). The boot CPU logs what it set.
// acpi_wire_lint: what that gives for one pin of this CPU.
void acpi_wire_lints(bool boot_cpu);
enum lapic_lint acpi_wire_lint(unsigned lint, bool boot_cpu);

// The whole result (for self-tests); valid only when acpi_init returned true.
const struct acpi_info *acpi_result(void);

#endif
