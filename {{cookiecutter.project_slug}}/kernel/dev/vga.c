// VGA text-mode console: 80x25 cells, left in that mode by the BIOS. Each
// cell is a character byte and an attribute byte. Reached through the
// kernel's mapping of the first 2 MiB.
//
// The text window at physical 0xB8000 is 32 KiB: room for 204 rows, of which
// the screen shows the 25 that start at the CRT controller's start address
// (the BIOS uses the same memory for its eight "display pages"). Scrolling
// moves that start address down a row and clears the new bottom row: 80 cell
// writes, where copying the screen up would take 4,000 reads and writes of
// video memory, which is slow on real cards and a trip to the device model
// for every access in an emulator. Only when the window is used up is the
// screen copied back to its top, once every 180 rows.

#include <stdint.h>

#include "arch/x86.h"
#include "dev/vga.h"
#include "layout.h"

#define VGA_TEXT_PHYS   0xB8000
#define VGA_TEXT_CELLS  (32 * 1024 / 2) // 0xB8000-0xBFFFF, two bytes a cell
#define VGA_COLUMNS     80
#define VGA_ROWS        25
#define VGA_WINDOW_ROWS (VGA_TEXT_CELLS / VGA_COLUMNS)
#define VGA_ATTRIBUTE   0x07 // light grey on black
#define VGA_TAB_WIDTH   8

// CRT controller registers, at the colour-mode ports the BIOS sets up for
// mode 3. Start address and cursor location count cells from 0xB8000; each
// is split into a high and a low byte register. IBM VGA technical reference,
// CRT controller registers 0Ch-0Fh.
#define CRTC_INDEX       0x3D4
#define CRTC_DATA        0x3D5
#define CRTC_START_HIGH  0x0C // then 0x0D: start address low
#define CRTC_CURSOR_HIGH 0x0E // then 0x0F: cursor location low

static volatile uint16_t *const vga_cells =
    (volatile uint16_t *)(LAYOUT_KERNEL_VIRT_BASE + VGA_TEXT_PHYS);
static int vga_top; // window row shown at the top of the screen
static int vga_row; // cursor row on the screen, 0..VGA_ROWS-1
static int vga_column;

static uint16_t
vga_cell(char c)
{
  return (uint16_t)(VGA_ATTRIBUTE << 8) | (uint8_t)c;
}

// The first cell of a row of the screen.
static volatile uint16_t *
vga_screen_row(int row)
{
  return vga_cells + (vga_top + row) * VGA_COLUMNS;
}

// Write a 16-bit CRTC value to the register pair high_index, high_index + 1.
static void
crtc_write16(uint8_t high_index, uint16_t value)
{
  outb(CRTC_INDEX, high_index);
  outb(CRTC_DATA, value >> 8);
  outb(CRTC_INDEX, high_index + 1);
  outb(CRTC_DATA, value & 0xFF);
}

static void
vga_clear_rows(int first, int count)
{
  volatile uint16_t *cell = vga_screen_row(first);

  for (int i = 0; i < count * VGA_COLUMNS; i++)
    cell[i] = vga_cell(' ');
}

static void
vga_scroll(void)
{
  if (vga_top + VGA_ROWS == VGA_WINDOW_ROWS) {
    // The window is used up: move the rows that stay visible to its top.
    volatile uint16_t *from = vga_screen_row(1);
    for (int i = 0; i < (VGA_ROWS - 1) * VGA_COLUMNS; i++)
      vga_cells[i] = from[i];
    vga_top = 0;
  } else {
    vga_top++;
  }
  vga_clear_rows(VGA_ROWS - 1, 1);
  crtc_write16(CRTC_START_HIGH, (uint16_t)(vga_top * VGA_COLUMNS));
  vga_row = VGA_ROWS - 1;
}

// The blinking cursor follows whole lines only: moving it for every
// character would cost four port writes each.
static void
vga_move_cursor(void)
{
  crtc_write16(CRTC_CURSOR_HIGH,
               (uint16_t)((vga_top + vga_row) * VGA_COLUMNS + vga_column));
}

void
vga_init(void)
{
  vga_top = 0;
  vga_row = 0;
  vga_column = 0;
  vga_clear_rows(0, VGA_ROWS);
  crtc_write16(CRTC_START_HIGH, 0);
  vga_move_cursor();
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
    vga_screen_row(vga_row)[vga_column] = vga_cell(c);
    vga_column++;
  }
  if (vga_column >= VGA_COLUMNS) {
    vga_column = 0;
    vga_row++;
  }
  if (vga_row >= VGA_ROWS)
    vga_scroll();
  if (c == '\n')
    vga_move_cursor();
}
