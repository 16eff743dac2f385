#ifndef KPRINTF_H
#define KPRINTF_H

#include <stdarg.h>

// Formatted output to the console (serial and VGA). Understands %c %s %d
// %i %u %x %X %p %%, the length modifiers l and ll, a field width, and the
// flags '0' and '-'. Returns the number of characters written.
// Locking: safe from any CPU and in interrupt handlers (one recursive lock).
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list args);

// Print "panic: " and the message, then stop the machine (in a test build,
// end the emulator with a failure status).
__attribute__((noreturn)) void panic(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif
