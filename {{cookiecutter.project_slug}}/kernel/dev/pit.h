#ifndef PIT_H
#define PIT_H

#include <stdint.h>

#define PIT_FREQUENCY_HZ 1193182 // 14.31818 MHz crystal / 12
#define PIT_MAX_COUNT    0xFFFF

// Channel 2 as a free-running count-down for measuring intervals: start it,
// read its count (it falls by one per PIT tick from PIT_MAX_COUNT, about
// 55 ms in all, then wraps), stop it. Uses no interrupts.
void pit_countdown_start(void);
uint16_t pit_countdown_read(void);
void pit_countdown_stop(void);

#endif
