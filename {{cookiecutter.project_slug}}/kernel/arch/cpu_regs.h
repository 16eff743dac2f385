// Control registers, MSRs, CPUID, TLB flushes and the interrupt flag: the
// system instructions the platform code (mm, cpu, dev) needs. Names carry no
// cpu_ prefix so they cannot clash with x86.h. Intel SDM vol. 3A, "System
// Architecture Overview" (control registers) and vol. 4 (MSRs).
#ifndef CPU_REGS_H
#define CPU_REGS_H

#include <stdint.h>

#define MSR_IA32_APIC_BASE 0x1B         // SDM vol. 4, table 2-2
#define MSR_IA32_PAT       0x277        // SDM vol. 3A 11.12.2
#define MSR_IA32_EFER      0xC0000080   // SDM vol. 4, table 2-2
#define EFER_NXE           (1ull << 11) // execute-disable bit usable in PTEs
#define RFLAGS_IF          (1ull << 9)  // interrupts enabled
#define CR0_NW             (1ull << 29) // not write-through
#define CR0_CD             (1ull << 30) // cache disable
#define CR4_PGE            (1ull << 7)  // global pages

static inline uint64_t
msr_read(uint32_t msr)
{
  uint32_t low, high;
  __asm__ volatile("rdmsr" : "=a"(low), "=d"(high) : "c"(msr));
  return ((uint64_t)high << 32) | low;
}

static inline void
msr_write(uint32_t msr, uint64_t value)
{
  __asm__ volatile("wrmsr"
                   :
                   : "c"(msr), "a"((uint32_t)value),
                     "d"((uint32_t)(value >> 32)));
}

static inline uint64_t
cr0_read(void)
{
  uint64_t value;
  __asm__ volatile("mov %%cr0, %0" : "=r"(value));
  return value;
}

static inline uint64_t
cr2_read(void)
{
  uint64_t value;
  __asm__ volatile("mov %%cr2, %0" : "=r"(value));
  return value;
}

static inline uint64_t
cr3_read(void)
{
  uint64_t value;
  __asm__ volatile("mov %%cr3, %0" : "=r"(value));
  return value;
}

static inline uint64_t
cr4_read(void)
{
  uint64_t value;
  __asm__ volatile("mov %%cr4, %0" : "=r"(value));
  return value;
}

static inline void
cr0_write(uint64_t value)
{
  __asm__ volatile("mov %0, %%cr0" : : "r"(value) : "memory");
}

static inline void
cr3_write(uint64_t value)
{
  __asm__ volatile("mov %0, %%cr3" : : "r"(value) : "memory");
}

static inline void
cr4_write(uint64_t value)
{
  __asm__ volatile("mov %0, %%cr4" : : "r"(value) : "memory");
}

// Write back and invalidate every cache line.
static inline void
wbinvd(void)
{
  __asm__ volatile("wbinvd" : : : "memory");
}

static inline void
tlb_flush_page(uint64_t virt)
{
  __asm__ volatile("invlpg (%0)" : : "r"(virt) : "memory");
}

static inline void
interrupts_enable(void)
{
  __asm__ volatile("sti" : : : "memory");
}

static inline void
interrupts_disable(void)
{
  __asm__ volatile("cli" : : : "memory");
}

// CPUID leaf `leaf`, subleaf 0: the four result registers.
static inline void
cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
  __asm__ volatile("cpuid"
                   : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
                   : "a"(leaf), "c"(0));
}

static inline uint64_t
rflags_read(void)
{
  uint64_t value;
  __asm__ volatile("pushfq; popq %0" : "=r"(value));
  return value;
}

#endif
