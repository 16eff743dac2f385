// The interrupt descriptor table: 256 interrupt gates, one per stub in
// trap_entry.asm. What happens on each vector is trap.c's business.
// Intel SDM vol. 3A, 6.14.1 "64-Bit Mode IDT" (figure 6-7, gate layout).

#include <stdint.h>

#include "arch/x86.h"
#include "cpu/gdt.h"
#include "cpu/idt.h"
#include "lib/kprintf.h"

// Gate type and attribute byte, SDM vol. 3A figure 6-7.
#define GATE_TYPE_INTERRUPT 0x0E // 64-bit interrupt gate: clears IF
#define GATE_DPL_KERNEL     0x00 // INT n from ring 3 faults with #GP
#define GATE_PRESENT        0x80

#define VECTOR_NMI          2
#define VECTOR_DOUBLE_FAULT 8

// Stage2 masks NMI at the CMOS index port (bit 7) before its first mode
// switch; the kernel unmasks it once the NMI gate exists.
#define CMOS_INDEX        0x70
#define CMOS_DATA         0x71
#define CMOS_REG_STATUS_D 0x0D // reading it changes nothing

struct idt_gate {
  uint16_t offset_low;  // handler address bits 15..0
  uint16_t selector;    // code segment
  uint8_t ist;          // bits 2..0: IST slot, 0 = none
  uint8_t type_attr;    // type, DPL, present
  uint16_t offset_mid;  // bits 31..16
  uint32_t offset_high; // bits 63..32
  uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct idt_gate) == 16, "64-bit gates are 16 bytes");

struct idt_pointer {
  uint16_t limit;
  uint64_t base;
} __attribute__((packed));

extern const uint64_t trap_stub_table[IDT_VECTORS]; // trap_entry.asm

static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));

static void
idt_set_gate(int vector, uint64_t handler, uint8_t ist)
{
  struct idt_gate *gate = &idt[vector];

  gate->offset_low = handler & 0xFFFF;
  gate->selector = GDT_SEL_KERNEL_CODE;
  gate->ist = ist;
  gate->type_attr = GATE_PRESENT | GATE_DPL_KERNEL | GATE_TYPE_INTERRUPT;
  gate->offset_mid = (handler >> 16) & 0xFFFF;
  gate->offset_high = handler >> 32;
  gate->reserved = 0;
}

static uint8_t
idt_ist_for(int vector)
{
  if (vector == VECTOR_DOUBLE_FAULT)
    return GDT_IST_DOUBLE_FAULT;
  if (vector == VECTOR_NMI)
    return GDT_IST_NMI;
  return GDT_IST_NONE;
}

void
idt_load(void)
{
  struct idt_pointer pointer = {sizeof(idt) - 1, (uint64_t)idt};

  __asm__ volatile("lidt %0" : : "m"(pointer) : "memory");
}

void
idt_init(void)
{
  for (int vector = 0; vector < IDT_VECTORS; vector++)
    idt_set_gate(vector, trap_stub_table[vector], idt_ist_for(vector));
  idt_load();
  outb(CMOS_INDEX, CMOS_REG_STATUS_D); // bit 7 clear: NMI unmasked
  inb(CMOS_DATA); // an RTC expects a data access after an index write
  kprintf("[idt] loaded: %d gates (exceptions 0-%d, PIC 0x%x-0x%x, "
          "LAPIC timer 0x%x, error 0x%x, spurious 0x%x); NMI unmasked\n",
          IDT_VECTORS, IDT_EXCEPTION_VECTORS - 1, IDT_PIC_BASE,
          IDT_PIC_BASE + IDT_PIC_VECTORS - 1, IDT_LAPIC_TIMER, IDT_LAPIC_ERROR,
          IDT_LAPIC_SPURIOUS);
}
