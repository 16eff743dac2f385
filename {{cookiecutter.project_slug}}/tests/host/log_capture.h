// The kernel's kprintf for host tests: what the code under test logs is
// appended to log_text, which a test reads, and clears before the next
// case. Include it in one test program's file, once.
#ifndef LOG_CAPTURE_H
#define LOG_CAPTURE_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/kprintf.h"

static char log_text[16384];

int
kprintf(const char *fmt, ...)
{
  va_list args;
  size_t used = strlen(log_text);

  va_start(args, fmt);
  int n = vsnprintf(log_text + used, sizeof(log_text) - used, fmt, args);
  va_end(args);
  return n;
}

#endif
