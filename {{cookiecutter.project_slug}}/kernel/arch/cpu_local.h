// The running CPU's identity, for code below smp/ (locks above all). Every
// CPU's IA32_GS_BASE points at its data (struct cpu, smp/percpu.h), which
// starts with this header; smp/ fills in the rest. Intel SDM vol. 3A,
// 3.4.4.1 "Segment Loading Instructions in IA-32e Mode" (GS base MSR).
#ifndef CPU_LOCAL_H
#define CPU_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#include "arch/cpu_regs.h"

#define MSR_IA32_GS_BASE 0xC0000101 // SDM vol. 4, table 2-2

struct cpu_local {
  struct cpu_local *self; // its own address: this_cpu_local() reads it
  uint32_t index;         // 0 for the boot CPU, then MADT order
};

// Point GS at `local` for this CPU. Loading a segment register into GS
// clears the base on Intel CPUs: nothing does that after this.
static inline void
cpu_local_set(struct cpu_local *local)
{
  local->self = local;
  msr_write(MSR_IA32_GS_BASE, (uint64_t)local);
}

static inline struct cpu_local *
this_cpu_local(void)
{
  struct cpu_local *local;
  __asm__ volatile("movq %%gs:%c1, %0"
                   : "=r"(local)
                   : "i"(offsetof(struct cpu_local, self)));
  return local;
}

// This CPU's index (0..smp_max_cpus-1).
static inline uint32_t
cpu_index(void)
{
  uint32_t index;
  __asm__ volatile("movl %%gs:%c1, %0"
                   : "=r"(index)
                   : "i"(offsetof(struct cpu_local, index)));
  return index;
}

#endif
