#ifndef LAPIC_H
#define LAPIC_H

#include <stdint.h>

// Map this CPU's local APIC registers at LAYOUT_LAPIC_VIRT (uncached),
// enable it through the spurious-interrupt register, and install handlers
// for its spurious and error vectors. `phys` is the address from the MADT;
// 0 means "not known": the IA32_APIC_BASE MSR is used. Needs idt_init and
// pic_disable first. Panics when the page cannot be mapped.
void lapic_init(uint64_t phys);

// Acknowledge the interrupt being handled (handlers of LAPIC-delivered
// vectors call this; spurious interrupts must not).
void lapic_eoi(void);

#endif
