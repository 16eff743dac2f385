#ifndef LAPIC_H
#define LAPIC_H

#include <stdbool.h>
#include <stdint.h>

// Set up this CPU's local APIC in the mode the firmware left it (x2APIC:
// through MSRs; xAPIC: its registers mapped uncached at LAYOUT_LAPIC_VIRT
// from the address in IA32_APIC_BASE), enable it through the
// spurious-interrupt register, mask the LVT entries it does not use, and
// install handlers for its spurious and error vectors. `madt_phys` is the
// MADT's address (0: none), only compared with the MSR's and logged.
// Needs idt_init, pic_disable and mmio_init first. Halts with a message
// when the CPU has no local APIC or the page cannot be mapped.
void lapic_init(uint64_t madt_phys);

// After lapic_init: whether the APIC runs in x2APIC mode, and its ID.
bool lapic_x2apic_mode(void);
uint32_t lapic_id(void);

// Acknowledge the interrupt being handled (handlers of LAPIC-delivered
// vectors call this; spurious interrupts must not).
void lapic_eoi(void);

#endif
