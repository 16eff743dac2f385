// The local APIC timer: calibrated against the HPET or the PIT, then
// periodic at the configured rate, counting ticks (lapic_timer.c).
#ifndef LAPIC_TIMER_H
#define LAPIC_TIMER_H

#include <stdint.h>

// Measure the timer's input clock (and the TSC's rate, for tsc.c) against
// the HPET (if hpet_init succeeded) or else the PIT, saying which; then run
// the timer periodically at `hz` on vector IDT_LAPIC_TIMER, counting ticks.
// Ticks are only counted once interrupts are enabled. Needs lapic_init.
// Halts with a message when neither clock counts.
void lapic_timer_start(uint32_t hz);

// Ticks counted since lapic_timer_start.
uint64_t lapic_ticks(void);

// Ticks counted during a wait of `microseconds` by the TSC (interrupts must
// be enabled). Logs the count against what the rate predicts.
uint64_t lapic_ticks_during(uint32_t microseconds);

// Run this CPU's timer periodically at the boot CPU's rate and calibration
// (every local APIC timer runs off the same bus clock), on `vector`: the
// handler is the caller's. For application processors, after
// lapic_timer_start on the boot CPU.
void lapic_timer_start_ap(uint8_t vector);

// The bus (timer input) frequency measured by lapic_timer_start, in Hz.
uint64_t lapic_bus_hz(void);

#endif
