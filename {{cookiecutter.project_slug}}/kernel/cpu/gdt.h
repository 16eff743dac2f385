#ifndef GDT_H
#define GDT_H

#include <stdint.h>

// Segment selectors (index * 8, RPL 0). kernel/entry.asm's boot GDT uses the
// same code and data selectors, so the handover keeps CS/SS valid.
#define GDT_SEL_KERNEL_CODE 0x08
#define GDT_SEL_KERNEL_DATA 0x10
#define GDT_SEL_TSS         0x18

// Interrupt stack table slots (1..7; 0 means "no IST, use the current
// stack"). Intel SDM vol. 3A, 6.14.5 "Interrupt Stack Table".
#define GDT_IST_NONE         0
#define GDT_IST_DOUBLE_FAULT 1
#define GDT_IST_NMI          2

#define GDT_ENTRIES 5 // null, code, data, TSS (two slots)

// 64-bit TSS, SDM vol. 3A, figure 7-11.
struct tss {
  uint32_t reserved0;
  uint64_t rsp[3]; // stacks for privilege changes to rings 0-2
  uint64_t reserved1;
  uint64_t ist[7]; // IST1..IST7
  uint64_t reserved2;
  uint16_t reserved3;
  uint16_t iomap_base; // offset of the I/O bitmap; >= limit means none
} __attribute__((packed));

// One CPU's GDT and TSS: every CPU needs its own TSS (the CPU marks a
// loaded TSS busy), and so its own GDT to describe it.
struct gdt_tables {
  uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
  struct tss tss __attribute__((aligned(16)));
};

// Load the kernel GDT (null, 64-bit code, data, TSS), reload every segment
// register and load the task register. Call once, early, before idt_init:
// the IDT's #DF and NMI gates rely on the TSS's IST stacks.
void gdt_init(void);

// The same for an application processor: fill `t` (the CPU's own) with the
// kernel stack top rsp0 and the #DF and NMI stack tops, load it, and load
// the task register.
void gdt_init_ap(struct gdt_tables *t, uint64_t rsp0, uint64_t df_top,
                 uint64_t nmi_top);

// The selector in the task register (for self-tests).
uint16_t gdt_task_register(void);

#endif
