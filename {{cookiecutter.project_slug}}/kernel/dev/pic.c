// The two legacy 8259A PICs. This kernel uses the local APIC, so the PICs
// are only remapped (their power-on vectors 8-15 collide with CPU
// exceptions) and masked. Intel 8259A datasheet (order no. 231468):
// initialization command words ICW1-ICW4 and operation command words OCW1-3.

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86.h"
#include "cpu/idt.h"
#include "cpu/trap.h"
#include "dev/pic.h"
#include "lib/kprintf.h"

#define PIC1_COMMAND 0x20
#define PIC1_DATA    0x21 // OCW1: interrupt mask
#define PIC2_COMMAND 0xA0
#define PIC2_DATA    0xA1

#define ICW1_ICW4                     0x01 // ICW4 follows
#define ICW1_INIT                     0x10 // start initialization
#define ICW3_MASTER_HAS_SLAVE_ON_IRQ2 0x04
#define ICW3_SLAVE_ID                 0x02 // the slave hangs off the master's IRQ 2
#define ICW4_8086                     0x01 // 8086/88 mode
#define OCW2_EOI                      0x20 // non-specific end of interrupt
#define OCW3_READ_ISR                 0x0B // next read of the command port returns the ISR
#define PIC_MASK_ALL                  0xFF

#define PIC_IRQS_PER_CHIP 8
#define PIC_SPURIOUS_IRQ  7 // the lowest-priority line of each chip

// Any write to the unused POST-code port gives the old PICs time to settle
// between initialization words (about a microsecond).
#define IO_DELAY_PORT 0x80

static uint64_t spurious;
static uint64_t unexpected;

static void
pic_write(uint16_t port, uint8_t value)
{
  outb(port, value);
  outb(IO_DELAY_PORT, 0);
}

static uint8_t
pic_in_service(uint16_t command_port)
{
  outb(command_port, OCW3_READ_ISR);
  return inb(command_port);
}

// IRQ 7 and 15 are where a PIC reports an interrupt that went away before
// the CPU acknowledged it; the in-service bit tells a real one apart. A
// spurious IRQ 15 still needs an EOI at the master (the cascade was real).
static bool
pic_interrupt(struct trap_frame *frame)
{
  int irq = (int)frame->vector - IDT_PIC_BASE;
  bool slave = irq >= PIC_IRQS_PER_CHIP;
  uint16_t command = slave ? PIC2_COMMAND : PIC1_COMMAND;

  if (irq % PIC_IRQS_PER_CHIP == PIC_SPURIOUS_IRQ &&
      !(pic_in_service(command) & (1u << PIC_SPURIOUS_IRQ))) {
    spurious++;
    if (slave)
      outb(PIC1_COMMAND, OCW2_EOI);
    return true;
  }
  unexpected++;
  if (slave)
    outb(PIC2_COMMAND, OCW2_EOI);
  outb(PIC1_COMMAND, OCW2_EOI);
  return true;
}

void
pic_disable(void)
{
  pic_write(PIC1_COMMAND, ICW1_INIT | ICW1_ICW4);
  pic_write(PIC2_COMMAND, ICW1_INIT | ICW1_ICW4);
  pic_write(PIC1_DATA, IDT_PIC_BASE); // ICW2: vectors
  pic_write(PIC2_DATA, IDT_PIC_BASE + PIC_IRQS_PER_CHIP);
  pic_write(PIC1_DATA, ICW3_MASTER_HAS_SLAVE_ON_IRQ2); // ICW3: cascade
  pic_write(PIC2_DATA, ICW3_SLAVE_ID);
  pic_write(PIC1_DATA, ICW4_8086); // ICW4
  pic_write(PIC2_DATA, ICW4_8086);
  pic_write(PIC1_DATA, PIC_MASK_ALL); // OCW1: mask all
  pic_write(PIC2_DATA, PIC_MASK_ALL);

  for (int vector = IDT_PIC_BASE; vector < IDT_PIC_BASE + IDT_PIC_VECTORS;
       vector++)
    trap_set_handler((uint8_t)vector, pic_interrupt);
  kprintf("[pic] 8259s remapped to vectors 0x%x-0x%x and masked\n",
          IDT_PIC_BASE, IDT_PIC_BASE + IDT_PIC_VECTORS - 1);
}

uint64_t
pic_spurious_count(void)
{
  return spurious;
}

uint64_t
pic_unexpected_count(void)
{
  return unexpected;
}
