#ifndef IDT_H
#define IDT_H

#include <stdint.h>

// Interrupt vector assignments. 0-31 are the CPU's exceptions; the rest are
// ours to choose (Intel SDM vol. 3A, 6.2 "Exception and Interrupt Vectors").
#define IDT_VECTORS           256
#define IDT_EXCEPTION_VECTORS 32
#define IDT_PIC_BASE          0x20 // the 8259s' 16 IRQs, remapped (pic.c)
#define IDT_PIC_VECTORS       16
#define IDT_LAPIC_TIMER       0x30 // local APIC timer (lapic_timer.c)
#define IDT_AP_TIMER          0x31 // the other CPUs' timers (smp/ap.c)
#define IDT_TLB_SHOOTDOWN     0xF0 // flush a page (smp/shootdown.c)
#define IDT_WAKE              0xF1 // ends a CPU's HLT, nothing else (smp.c)
#define IDT_LAPIC_ERROR       0xFE // local APIC error (lapic.c)
// Local APIC spurious vector: low 4 bits all ones suit P6-era APICs too
// (SDM 10.9).
#define IDT_LAPIC_SPURIOUS 0xFF

// Fill all 256 gates with the stubs of trap_entry.asm (interrupt gates,
// kernel code segment, DPL 0; #DF and NMI on their IST stacks) and load the
// IDT. Needs gdt_init first. Interrupts stay disabled.
void idt_init(void);

// Load the IDT idt_init filled on this CPU (application processors).
void idt_load(void);

#endif
