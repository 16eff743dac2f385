// The 8254 programmable interval timer, used only as a known clock to
// calibrate the local APIC timer and the TSC. Channel 2 counts down in
// mode 0 (interrupt on terminal count) and its count is read on the fly
// after a counter-latch command. Its gate is software controlled through
// port 0x61, where its output also drives the PC speaker, kept off here.
// Intel 8254 datasheet (order no. 231164), and the PC/AT "system control
// port B" at 0x61.

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86.h"
#include "dev/pit.h"

#define PIT_CHANNEL2 0x42
#define PIT_COMMAND  0x43

// Command byte: bits 7-6 channel, 5-4 access mode, 3-1 mode, 0 BCD.
#define PIT_SELECT_CHANNEL2 (2 << 6)
#define PIT_ACCESS_LATCH    (0 << 4) // counter-latch command
#define PIT_ACCESS_LOHI     (3 << 4) // low byte, then high byte
#define PIT_MODE_0          (0 << 1) // interrupt on terminal count
#define PIT_BINARY          0

#define PORT_B         0x61
#define PORT_B_GATE2   0x01 // channel 2 gate input
#define PORT_B_SPEAKER 0x02 // channel 2 output drives the speaker

static uint8_t port_b_idle; // port B with gate and speaker off

bool
pit_countdown_start(void)
{
  port_b_idle = inb(PORT_B) & ~(PORT_B_GATE2 | PORT_B_SPEAKER);
  outb(PORT_B, port_b_idle); // gate low: hold the counter
  outb(PIT_COMMAND,
       PIT_SELECT_CHANNEL2 | PIT_ACCESS_LOHI | PIT_MODE_0 | PIT_BINARY);
  outb(PIT_CHANNEL2, PIT_MAX_COUNT & 0xFF);
  outb(PIT_CHANNEL2, PIT_MAX_COUNT >> 8);
  outb(PORT_B, port_b_idle | PORT_B_GATE2); // gate high: count down

  // The count is loaded on the first clock after the gate rises, and until
  // then a read returns whatever was left before. Once the value changes the
  // counter is loaded and counting. A PIT that is absent or gated off
  // (some chipsets can stop its clock) never changes: give up.
  uint16_t first = pit_countdown_read();
  for (long i = 0; i < PIT_STILL_READS; i++)
    if (pit_countdown_read() != first)
      return true;
  pit_countdown_stop();
  return false;
}

uint16_t
pit_countdown_read(void)
{
  outb(PIT_COMMAND, PIT_SELECT_CHANNEL2 | PIT_ACCESS_LATCH);
  uint8_t low = inb(PIT_CHANNEL2);
  uint8_t high = inb(PIT_CHANNEL2);
  return (uint16_t)(high << 8 | low);
}

void
pit_countdown_stop(void)
{
  outb(PORT_B, port_b_idle);
}
