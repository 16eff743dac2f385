// The console: one place that sends kernel output to both devices.

#include "dev/console.h"
#include "dev/serial.h"
#include "dev/vga.h"

static bool console_vga; // VGA text mode is there to write to

void
console_init(bool vga_text)
{
  serial_init();
  console_vga = vga_text;
  if (console_vga)
    vga_init();
}

void
console_putc(char c)
{
  serial_putc(c);
  if (console_vga)
    vga_putc(c);
}
