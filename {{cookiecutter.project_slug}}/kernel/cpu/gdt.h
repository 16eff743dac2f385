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

// Load the kernel GDT (null, 64-bit code, data, TSS), reload every segment
// register and load the task register. Call once, early, before idt_init:
// the IDT's #DF and NMI gates rely on the TSS's IST stacks.
void gdt_init(void);

// The selector in the task register (for self-tests).
uint16_t gdt_task_register(void);

#endif
