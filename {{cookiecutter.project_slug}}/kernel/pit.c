// The 8254 programmable interval timer, used only as a known clock to
// calibrate the local APIC timer. Channel 2 runs in mode 0 (interrupt on
// terminal count): its OUT line goes high when the count reaches zero, and
// port 0x61 bit 5 shows OUT. Intel 8254 datasheet (order no. 231164), and
// the PC/AT "system control port B" at 0x61.

#include <stdint.h>

#include "pit.h"
#include "x86.h"

#define PIT_CHANNEL2 0x42
#define PIT_COMMAND  0x43

// Command byte: bits 7-6 channel, 5-4 access mode, 3-1 mode, 0 BCD.
#define PIT_SELECT_CHANNEL2 (2 << 6)
#define PIT_ACCESS_LOHI     (3 << 4) // low byte, then high byte
#define PIT_MODE_0          (0 << 1) // interrupt on terminal count
#define PIT_BINARY          0

#define PORT_B         0x61
#define PORT_B_GATE2   0x01 // channel 2 gate input
#define PORT_B_SPEAKER 0x02 // channel 2 output drives the speaker
#define PORT_B_OUT2    0x20 // read: channel 2 output

#define PIT_MAX_COUNT 0xFFFF
#define US_PER_SECOND 1000000ull

// Count `ticks` PIT ticks (1..PIT_MAX_COUNT) on channel 2 and wait for OUT.
static void
pit_run_once(uint16_t ticks)
{
  uint8_t port_b = inb(PORT_B) & ~(PORT_B_GATE2 | PORT_B_SPEAKER);

  outb(PORT_B, port_b); // gate low: hold the counter
  outb(PIT_COMMAND, PIT_SELECT_CHANNEL2 | PIT_ACCESS_LOHI | PIT_MODE_0 |
                        PIT_BINARY); // OUT goes low
  outb(PIT_CHANNEL2, ticks & 0xFF);
  outb(PIT_CHANNEL2, ticks >> 8);
  outb(PORT_B, port_b | PORT_B_GATE2); // gate high: count down
  while (!(inb(PORT_B) & PORT_B_OUT2))
    cpu_pause();
  outb(PORT_B, port_b);
}

void
pit_wait_us(uint32_t microseconds)
{
  uint64_t ticks = (microseconds * (uint64_t)PIT_FREQUENCY_HZ) / US_PER_SECOND;

  while (ticks > 0) {
    uint64_t run = ticks > PIT_MAX_COUNT ? PIT_MAX_COUNT : ticks;
    pit_run_once((uint16_t)run);
    ticks -= run;
  }
}
