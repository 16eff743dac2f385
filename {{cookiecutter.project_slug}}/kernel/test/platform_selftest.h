#ifndef PLATFORM_SELFTEST_H
#define PLATFORM_SELFTEST_H

#include <stdbool.h>

// Self-tests of the GDT, IDT/traps, local APIC timer and ACPI results,
// listed in selftest.c's table. They run after the ready line, with
// interrupts enabled and the LAPIC timer running.
bool selftest_gdt_tss(void);
bool selftest_idt_breakpoint(void);
bool selftest_idt_invalid_opcode(void);
bool selftest_lapic_timer_ticks(void);
bool selftest_lapic_registers(void);
bool selftest_lapic_error_lvt(void);
bool selftest_mmio_uncached(void);
bool selftest_acpi_lapic_address(void);

#endif
