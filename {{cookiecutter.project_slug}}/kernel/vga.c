// VGA text-mode console: 80x25 cells at physical 0xB8000, left in that mode
// by the BIOS. Each cell is a character byte and an attribute byte.
// Reached through the kernel's mapping of the first 2 MiB.

#include <stdint.h>

#include "layout.h"
#include "vga.h"

#define VGA_TEXT_PHYS 0xB8000
#define VGA_COLUMNS   80
#define VGA_ROWS      25
#define VGA_ATTRIBUTE 0x07 // light grey on black
#define VGA_TAB_WIDTH 8

static volatile uint16_t *const vga_cells =
    (volatile uint16_t *)(LAYOUT_KERNEL_VIRT_BASE + VGA_TEXT_PHYS);
static int vga_row;
static int vga_column;

static uint16_t
vga_cell(char c)
{
  return (uint16_t)(VGA_ATTRIBUTE << 8) | (uint8_t)c;
}

static void
vga_scroll(void)
{
  for (int i = 0; i < (VGA_ROWS - 1) * VGA_COLUMNS; i++)
    vga_cells[i] = vga_cells[i + VGA_COLUMNS];
  for (int i = 0; i < VGA_COLUMNS; i++)
    vga_cells[(VGA_ROWS - 1) * VGA_COLUMNS + i] = vga_cell(' ');
  vga_row = VGA_ROWS - 1;
}

void
vga_init(void)
{
  for (int i = 0; i < VGA_ROWS * VGA_COLUMNS; i++)
    vga_cells[i] = vga_cell(' ');
  vga_row = 0;
  vga_column = 0;
}

void
vga_putc(char c)
{
  if (c == '\n') {
    vga_column = 0;
    vga_row++;
  } else if (c == '\t') {
    vga_column = (vga_column + VGA_TAB_WIDTH) & ~(VGA_TAB_WIDTH - 1);
  } else {
    vga_cells[vga_row * VGA_COLUMNS + vga_column] = vga_cell(c);
    vga_column++;
  }
  if (vga_column >= VGA_COLUMNS) {
    vga_column = 0;
    vga_row++;
  }
  if (vga_row >= VGA_ROWS)
    vga_scroll();
}
