// A small printf for the kernel: enough for a readable boot log, nothing
// that needs floating point or memory allocation. Output goes to the
// console; panic prints its message and ends the run (kernel_finish).
// One recursive lock (print_lock) makes each call's output one piece
// when several CPUs print; a fault while printing may still print.

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch/spinlock.h"
#include "dev/console.h"
#include "dev/shutdown.h"
#include "lib/kprintf.h"

static struct rlock print_lock;

struct format_spec {
  int width;
  bool zero_pad;
  bool left_align;
  int length; // number of 'l' modifiers
};

static int
emit_padded(const char *text, int text_length, const struct format_spec *spec)
{
  int padding = spec->width > text_length ? spec->width - text_length : 0;
  char pad = spec->zero_pad && !spec->left_align ? '0' : ' ';
  int written = 0;

  // Zero padding goes after a leading minus sign.
  if (pad == '0' && text_length > 0 && text[0] == '-') {
    console_putc('-');
    text++;
    text_length--;
    written++;
  }
  for (; !spec->left_align && padding > 0; padding--, written++)
    console_putc(pad);
  for (int i = 0; i < text_length; i++, written++)
    console_putc(text[i]);
  for (; padding > 0; padding--, written++)
    console_putc(' ');
  return written;
}

static int
emit_number(uint64_t value, bool negative, unsigned base, bool upper,
            const struct format_spec *spec)
{
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char buffer[24];
  int position = sizeof(buffer);

  do {
    buffer[--position] = digits[value % base];
    value /= base;
  } while (value != 0);
  if (negative)
    buffer[--position] = '-';
  return emit_padded(buffer + position, (int)sizeof(buffer) - position, spec);
}

static uint64_t
take_unsigned(va_list *args, int length)
{
  if (length >= 1)
    return va_arg(*args, unsigned long);
  return va_arg(*args, unsigned int);
}

static int64_t
take_signed(va_list *args, int length)
{
  if (length >= 1)
    return va_arg(*args, long);
  return va_arg(*args, int);
}

static const char *
parse_spec(const char *fmt, struct format_spec *spec)
{
  *spec = (struct format_spec){0};
  for (;; fmt++) {
    if (*fmt == '0')
      spec->zero_pad = true;
    else if (*fmt == '-')
      spec->left_align = true;
    else
      break;
  }
  while (*fmt >= '0' && *fmt <= '9')
    spec->width = spec->width * 10 + (*fmt++ - '0');
  while (*fmt == 'l') {
    spec->length++;
    fmt++;
  }
  return fmt;
}

static int
emit_conversion(char conversion, const struct format_spec *spec, va_list *args)
{
  switch (conversion) {
  case 'c': {
    char c = (char)va_arg(*args, int);
    return emit_padded(&c, 1, spec);
  }
  case 's': {
    const char *s = va_arg(*args, const char *);
    int length = 0;
    if (s == 0)
      s = "(null)";
    while (s[length])
      length++;
    return emit_padded(s, length, spec);
  }
  case 'd':
  case 'i': {
    int64_t value = take_signed(args, spec->length);
    uint64_t magnitude = value < 0 ? -(uint64_t)value : (uint64_t)value;
    return emit_number(magnitude, value < 0, 10, false, spec);
  }
  case 'u':
    return emit_number(take_unsigned(args, spec->length), false, 10, false,
                       spec);
  case 'x':
  case 'X':
    return emit_number(take_unsigned(args, spec->length), false, 16,
                       conversion == 'X', spec);
  case 'p': {
    struct format_spec pointer = {.width = 16, .zero_pad = true};
    console_putc('0');
    console_putc('x');
    return 2 + emit_number((uintptr_t)va_arg(*args, void *), false, 16, false,
                           &pointer);
  }
  case '%':
    console_putc('%');
    return 1;
  default: // unknown conversion: show it rather than guess
    console_putc('%');
    console_putc(conversion);
    return 2;
  }
}

int
kvprintf(const char *fmt, va_list args)
{
  int written = 0;
  va_list local;

  va_copy(local, args);
  rlock_take(&print_lock);
  while (*fmt) {
    if (*fmt != '%') {
      console_putc(*fmt++);
      written++;
      continue;
    }
    struct format_spec spec;
    fmt = parse_spec(fmt + 1, &spec);
    if (*fmt == '\0')
      break;
    written += emit_conversion(*fmt++, &spec, &local);
  }
  rlock_release(&print_lock);
  va_end(local);
  return written;
}

int
kprintf(const char *fmt, ...)
{
  va_list args;
  va_start(args, fmt);
  int written = kvprintf(fmt, args);
  va_end(args);
  return written;
}

void
panic(const char *fmt, ...)
{
  va_list args;

  rlock_take(&print_lock); // the message in one piece; kept to the end
  kprintf("panic: ");
  va_start(args, fmt);
  kvprintf(fmt, args);
  va_end(args);
  kprintf("\n");
  kernel_finish(false);
}
