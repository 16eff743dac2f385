// The local APIC's register map, shared by lapic.c (the APIC itself) and
// lapic_timer.c (its timer). Registers are 32-bit, 16-byte aligned, in one
// 4 KiB page: SDM vol. 3A table 10-1 "Local APIC Register Address Map"
// (chapter 10 in the 2016-2021 editions, 11 in later ones). In x2APIC mode
// the same register is MSR 0x800 + offset / 16 (table 10-6).
#ifndef LAPIC_REGS_H
#define LAPIC_REGS_H

#include <stdint.h>

#define LAPIC_REG_ID            0x020
#define LAPIC_REG_VERSION       0x030
#define LAPIC_REG_TPR           0x080 // task priority
#define LAPIC_REG_EOI           0x0B0 // write 0: end of interrupt
#define LAPIC_REG_SVR           0x0F0 // spurious interrupt vector
#define LAPIC_REG_ESR           0x280 // error status
#define LAPIC_REG_LVT_CMCI      0x2F0 // corrected machine check (LVT 6)
#define LAPIC_REG_ICR_LOW       0x300 // interrupt command: writing it sends
#define LAPIC_REG_ICR_HIGH      0x310 // bits 31..24: destination APIC id
#define LAPIC_REG_LVT_TIMER     0x320
#define LAPIC_REG_LVT_THERMAL   0x330 // LVT 5
#define LAPIC_REG_LVT_PERF      0x340 // performance counters (LVT 4)
#define LAPIC_REG_LVT_LINT0     0x350
#define LAPIC_REG_LVT_LINT1     0x360
#define LAPIC_REG_LVT_ERROR     0x370
#define LAPIC_REG_TIMER_INITIAL 0x380
#define LAPIC_REG_TIMER_CURRENT 0x390
#define LAPIC_REG_TIMER_DIVIDE  0x3E0

#define LAPIC_LVT_MASKED (1u << 16) // in every LVT entry
// LVT LINT0/LINT1 (SDM 10.5.1, figure 10-8): delivery mode in bits 10..8,
// the pin's polarity in bit 13 (an NMI is always edge-triggered).
#define LAPIC_LVT_DELIVERY_MASK (7u << 8)
#define LAPIC_LVT_NMI           (4u << 8)
#define LAPIC_LVT_ACTIVE_LOW    (1u << 13)

#define X2APIC_MSR_BASE 0x800 // x2APIC mode: MSR of register offset 0

// Read or write a register of the local APIC, through its MMIO page or its
// MSRs, whichever lapic_init chose.
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t value);

#endif
