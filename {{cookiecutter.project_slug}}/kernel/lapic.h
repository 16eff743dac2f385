#ifndef LAPIC_H
#define LAPIC_H

#include <stdint.h>

// Map this CPU's local APIC registers at LAYOUT_LAPIC_VIRT (uncached),
// enable it through the spurious-interrupt register, and install handlers
// for its spurious and error vectors. `phys` is the address from the MADT;
// 0 means "not known": the IA32_APIC_BASE MSR is used. Needs idt_init and
// pic_disable first. Panics when the page cannot be mapped.
void lapic_init(uint64_t phys);

// Measure the timer's input clock (and the TSC's rate, for tsc.c) against
// the PIT, then run the timer periodically at `hz` on vector
// IDT_LAPIC_TIMER, counting ticks. Ticks are only counted once interrupts
// are enabled. Needs lapic_init.
void lapic_timer_start(uint32_t hz);

// Ticks counted since lapic_timer_start.
uint64_t lapic_ticks(void);

// Ticks counted during a wait of `microseconds` by the TSC (interrupts must
// be enabled). Logs the count against what the rate predicts.
uint64_t lapic_ticks_during(uint32_t microseconds);

// The bus (timer input) frequency measured by lapic_timer_start, in Hz.
uint64_t lapic_bus_hz(void);

// Acknowledge the interrupt being handled (handlers of LAPIC-delivered
// vectors call this; spurious interrupts must not).
void lapic_eoi(void);

#endif
