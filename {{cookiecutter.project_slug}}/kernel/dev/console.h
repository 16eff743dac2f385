#ifndef CONSOLE_H
#define CONSOLE_H

// The console writes every character to COM1 and to the VGA text screen.
void console_init(void);
void console_putc(char c);

#endif
