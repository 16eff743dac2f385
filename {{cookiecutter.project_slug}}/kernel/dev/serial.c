// COM1 serial output: the kernel's log, read by people and by tests.
//
// A 16550-compatible UART (National Semiconductor PC16550D datasheet).
// Output is polled. With its FIFOs working (a 16550A: IIR says so), "transmit
// holding register empty" means the whole 16-byte transmit FIFO is empty, so
// one status read clears the way for 16 bytes; an older UART (8250, 16450)
// takes one byte per status read. Bochs drops bytes written while the
// transmitter is full, so the wait matters. Callers serialise (kprintf's
// lock).

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86.h"
#include "dev/serial.h"

#define COM1_BASE 0x3F8

// Register offsets from the base port.
#define UART_DATA 0 // transmit holding / receive buffer
#define UART_DLL  0 // divisor latch, low byte (LCR.DLAB = 1)
#define UART_IER  1 // interrupt enable
#define UART_DLM  1 // divisor latch, high byte (LCR.DLAB = 1)
#define UART_FCR  2 // FIFO control (write)
#define UART_IIR  2 // interrupt identification (read)
#define UART_LCR  3 // line control
#define UART_MCR  4 // modem control
#define UART_LSR  5 // line status

#define LCR_DLAB      0x80 // divisor latch access
#define LCR_8N1       0x03 // 8 data bits, no parity, 1 stop bit
#define FCR_ENABLE    0xC7 // enable and clear FIFOs, 14-byte threshold
#define IIR_FIFOS_ON  0xC0 // bits 7..6 both set: the FIFOs are enabled
#define TX_FIFO_SIZE  16
#define MCR_DTR_RTS   0x03
#define LSR_THR_EMPTY 0x20 // the next byte may be written
#define LSR_TX_IDLE   0x40 // holding and shift registers both empty
#define UART_CLOCK_HZ 115200
#define SERIAL_BAUD   115200

static unsigned tx_burst = 1; // bytes the transmitter takes when empty
static unsigned tx_room;      // bytes it takes now without a status read

void
serial_init(void)
{
  uint16_t divisor = UART_CLOCK_HZ / SERIAL_BAUD;

  outb(COM1_BASE + UART_IER, 0);
  outb(COM1_BASE + UART_LCR, LCR_DLAB);
  outb(COM1_BASE + UART_DLL, divisor & 0xFF);
  outb(COM1_BASE + UART_DLM, divisor >> 8);
  outb(COM1_BASE + UART_LCR, LCR_8N1);
  outb(COM1_BASE + UART_FCR, FCR_ENABLE);
  outb(COM1_BASE + UART_MCR, MCR_DTR_RTS);
  bool fifos = (inb(COM1_BASE + UART_IIR) & IIR_FIFOS_ON) == IIR_FIFOS_ON;
  tx_burst = fifos ? TX_FIFO_SIZE : 1;
  tx_room = 0;
}

void
serial_putc(char c)
{
  if (c == '\n')
    serial_putc('\r');
  if (tx_room == 0) {
    while (!(inb(COM1_BASE + UART_LSR) & LSR_THR_EMPTY))
      cpu_pause();
    tx_room = tx_burst;
  }
  outb(COM1_BASE + UART_DATA, (uint8_t)c);
  tx_room--;
}

// Wait until the last byte has left the UART. Call before stopping the
// emulator, or the end of the log can be lost.
void
serial_drain(void)
{
  while (!(inb(COM1_BASE + UART_LSR) & LSR_TX_IDLE))
    cpu_pause();
}
