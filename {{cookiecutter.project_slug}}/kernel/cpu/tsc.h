#ifndef TSC_H
#define TSC_H

#include <stdint.h>

// The time-stamp counter as a clock for short waits. Its rate is measured
// once against the PIT (lapic_timer.c does it in the same runs that calibrate
// the LAPIC timer) and handed over with tsc_set_hz.
void tsc_set_hz(uint64_t hz);

// TSC cycles in `microseconds`. Panics if the rate was never set.
uint64_t tsc_cycles(uint32_t microseconds);

// Busy-wait `microseconds` by the TSC. Panics if the rate was never set.
void tsc_wait_us(uint32_t microseconds);

#endif
