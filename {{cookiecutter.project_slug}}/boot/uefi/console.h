// The loader's messages: each goes to the firmware console (the screen) and
// to COM1, where the kernel's log continues (see console.c).

#ifndef UEFI_CONSOLE_H
#define UEFI_CONSOLE_H

#include "uefi/efi.h"

// Remember the firmware console, and whether it reaches a serial port
// already; until then, say() writes to COM1 only.
void console_init(struct efi_system_table *system);

// Forget the firmware console: after ExitBootServices it is gone.
void console_detach(void);

// printf-like, for the few conversions the loader needs: %s (string),
// %u and %x (uint64_t, decimal and hex). Lines end in \n.
void say(const char *format, ...);

#endif
