// COM1 serial output: the kernel's log, read by people and by tests.
//
// A 16550-compatible UART (National Semiconductor PC16550D datasheet).
// Output is polled: each byte waits for the transmit holding register to be
// empty. Bochs drops bytes written while it is full, so the wait matters.

#include <stdint.h>

#include "arch/x86.h"
#include "dev/serial.h"

#define COM1_BASE 0x3F8

// Register offsets from the base port.
#define UART_DATA 0 // transmit holding / receive buffer
#define UART_DLL  0 // divisor latch, low byte (LCR.DLAB = 1)
#define UART_IER  1 // interrupt enable
#define UART_DLM  1 // divisor latch, high byte (LCR.DLAB = 1)
#define UART_FCR  2 // FIFO control
#define UART_LCR  3 // line control
#define UART_MCR  4 // modem control
#define UART_LSR  5 // line status

#define LCR_DLAB      0x80 // divisor latch access
#define LCR_8N1       0x03 // 8 data bits, no parity, 1 stop bit
#define FCR_ENABLE    0xC7 // enable and clear FIFOs, 14-byte threshold
#define MCR_DTR_RTS   0x03
#define LSR_THR_EMPTY 0x20 // the next byte may be written
#define LSR_TX_IDLE   0x40 // holding and shift registers both empty
#define UART_CLOCK_HZ 115200
#define SERIAL_BAUD   115200

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
}

void
serial_putc(char c)
{
  if (c == '\n')
    serial_putc('\r');
  while (!(inb(COM1_BASE + UART_LSR) & LSR_THR_EMPTY))
    cpu_pause();
  outb(COM1_BASE + UART_DATA, (uint8_t)c);
}

// Wait until the last byte has left the UART. Call before stopping the
// emulator, or the end of the log can be lost.
void
serial_drain(void)
{
  while (!(inb(COM1_BASE + UART_LSR) & LSR_TX_IDLE))
    cpu_pause();
}
