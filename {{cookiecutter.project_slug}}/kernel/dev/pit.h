#ifndef PIT_H
#define PIT_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_FREQUENCY_HZ 1193182 // 14.31818 MHz crystal / 12
#define PIT_MAX_COUNT    0xFFFF

// Reads of a count that does not move before the PIT is declared stopped:
// a port read takes at least half a microsecond on a PC, so this is more
// than a second, while a counting PIT moves every 0.84 us.
#define PIT_STILL_READS 2000000

// Channel 2 as a free-running count-down for measuring intervals: start it,
// read its count (it falls by one per PIT tick from PIT_MAX_COUNT, about
// 55 ms in all, then wraps), stop it. Uses no interrupts. Start returns
// false (and stops it) when the count does not move within PIT_STILL_READS
// reads: no PIT, or its clock is off.
bool pit_countdown_start(void);
uint16_t pit_countdown_read(void);
void pit_countdown_stop(void);

#endif
