#ifndef CONSOLE_H
#define CONSOLE_H

#include <stdbool.h>

// The console writes every character to COM1 and, when vga_text is true, to
// the VGA text screen. Booted through UEFI there is no text mode (the
// firmware left a graphics framebuffer, and 0xB8000 may be anything), so the
// kernel passes false and logs to COM1 only.
void console_init(bool vga_text);
void console_putc(char c);

#endif
