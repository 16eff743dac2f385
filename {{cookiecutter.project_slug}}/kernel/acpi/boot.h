#ifndef ACPI_BOOT_H
#define ACPI_BOOT_H

#include <stdbool.h>
#include <stdint.h>

#include "acpi/acpi.h"
#include "bootinfo.h"

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

// The whole result (for self-tests); valid only when acpi_init returned true.
const struct acpi_info *acpi_result(void);

#endif
