// The loader's messages, on the firmware console and on COM1.
//
// Firmware consoles take UCS-2 strings with CR LF line ends. Many firmware
// consoles are a screen only: then COM1 is written directly (16550 UART at
// 0x3F8, polled), so the line still reaches the serial log. Where one of
// the firmware's consoles is a serial terminal already (OVMF's is), it is
// left to the firmware, or every line would show there twice.

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86.h"
#include "uefi/console.h"

#define COM1_BASE     0x3F8
#define UART_DATA     0
#define UART_LSR      5
#define LSR_THR_EMPTY 0x20 // the next byte may be written
// A missing UART reads back 0xFF (THR "empty"); a stuck one must not hang
// the loader: give up on a byte after this many polls.
#define UART_POLLS 100000

#define LINE_MAX 160

static struct efi_simple_text_output_protocol *firmware_console;
static bool firmware_has_serial; // a firmware console writes to a UART

static uint16_t
node_length(const struct efi_device_path *node)
{
  return (uint16_t)(node->length[0] | node->length[1] << 8);
}

// Whether the device path runs through a serial port.
static bool
path_has_uart(const struct efi_device_path *node)
{
  while (node->type != EFI_DEVICE_PATH_END && node_length(node) >= 4) {
    if (node->type == EFI_DEVICE_PATH_MESSAGING &&
        node->subtype == EFI_DEVICE_PATH_MESSAGING_UART)
      return true;
    node = (const void *)((const uint8_t *)node + node_length(node));
  }
  return false;
}

// Whether any text output the firmware offers is a terminal on a UART.
static bool
serial_text_output(struct efi_boot_services *bs)
{
  static const struct efi_guid text_output =
      EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID;
  static const struct efi_guid device_path = EFI_DEVICE_PATH_PROTOCOL_GUID;
  efi_handle *handles;
  uint64_t count;
  bool found = false;

  if (EFI_IS_ERROR(bs->locate_handle_buffer(EFI_BY_PROTOCOL, &text_output, NULL,
                                            &count, &handles)))
    return false;
  for (uint64_t i = 0; i < count && !found; i++) {
    struct efi_device_path *path;
    if (!EFI_IS_ERROR(
            bs->handle_protocol(handles[i], &device_path, (void **)&path)))
      found = path_has_uart(path);
  }
  bs->free_pool(handles);
  return found;
}

void
console_init(struct efi_system_table *system)
{
  firmware_console = system->con_out;
  firmware_has_serial = serial_text_output(system->boot_services);
}

void
console_detach(void)
{
  firmware_console = NULL;
}

static void
com1_putc(char c)
{
  for (int i = 0; i < UART_POLLS; i++)
    if (inb(COM1_BASE + UART_LSR) & LSR_THR_EMPTY)
      break;
  outb(COM1_BASE + UART_DATA, (uint8_t)c);
}

// Append text to line[*length], keeping room for the terminating zero.
static void
append(char *line, int *length, const char *text)
{
  while (*text && *length < LINE_MAX - 1)
    line[(*length)++] = *text++;
}

static void
append_number(char *line, int *length, uint64_t value, unsigned base)
{
  char digits[24];
  int n = 0;

  do {
    digits[n++] = "0123456789ABCDEF"[value % base];
    value /= base;
  } while (value);
  if (base == 16)
    append(line, length, "0x");
  while (n > 0 && *length < LINE_MAX - 1)
    line[(*length)++] = digits[--n];
}

static void
emit(const char *line)
{
  char16 wide[2 * LINE_MAX + 1];
  int n = 0;

  for (const char *p = line; *p; p++) {
    if (*p == '\n')
      wide[n++] = '\r';
    wide[n++] = (uint8_t)*p;
  }
  wide[n] = 0;
  if (firmware_console)
    firmware_console->output_string(firmware_console, wide);
  if (firmware_console && firmware_has_serial)
    return;
  for (const char *p = line; *p; p++) {
    if (*p == '\n')
      com1_putc('\r');
    com1_putc(*p);
  }
}

void
say(const char *format, ...)
{
  char line[LINE_MAX];
  int length = 0;
  va_list args;

  va_start(args, format);
  for (const char *p = format; *p; p++) {
    if (*p != '%' || p[1] == 0) {
      if (length < LINE_MAX - 1)
        line[length++] = *p;
      continue;
    }
    switch (*++p) {
    case 's':
      append(line, &length, va_arg(args, const char *));
      break;
    case 'u':
      append_number(line, &length, va_arg(args, uint64_t), 10);
      break;
    case 'x':
      append_number(line, &length, va_arg(args, uint64_t), 16);
      break;
    default:
      append(line, &length, "%?");
    }
  }
  va_end(args);
  line[length] = 0;
  emit(line);
}
