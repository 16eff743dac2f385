#ifndef PIT_H
#define PIT_H

#include <stdint.h>

#define PIT_FREQUENCY_HZ 1193182 // 14.31818 MHz crystal / 12

// Busy-wait `microseconds` using PIT channel 2 (its gate is software
// controlled through port 0x61 and its output can be read back there), in
// one-shot runs of at most about 55 ms. Uses no interrupts and leaves the
// PC speaker off. Accurate to a few PIT ticks per run (about 1 us each).
void pit_wait_us(uint32_t microseconds);

#endif
