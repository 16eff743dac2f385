// Per-CPU data and stacks: one slot per CPU in the per-CPU area
// (layout.cfg), from the bottom up:
//   guard page | kernel stack (smp_stack_size) | guard page | #DF stack |
//   guard page | NMI stack | data page (struct cpu; GS base points here)
// The guard pages stay unmapped: a stack overflow faults instead of
// running into its neighbour.
#ifndef PERCPU_H
#define PERCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/cpu_local.h"
#include "cpu/gdt.h"

struct cpu {
  struct cpu_local local; // first: what arch/cpu_local.h reads through GS
  uint32_t apic_id;
  bool online;         // running kernel code with interrupts on
  uint64_t ticks;      // its timer's ticks (application processors)
  uint64_t online_tsc; // when it came online
  void (*work)(void);  // a function its idle loop runs (smp_run_on)
  struct gdt_tables tables;
};

// Point GS at a boot-time struct cpu_local (index 0) so that locks work
// before the per-CPU area is mapped. First thing in kmain.
void percpu_boot_early(void);

// Map CPU `index`'s data page (and with `stacks` its three stacks) from the
// PMM, zeroed. Returns false when memory runs out.
bool percpu_map(unsigned index, bool stacks);

// CPU `index`'s data (mapped by percpu_map) and its stack tops.
struct cpu *percpu(unsigned index);
uint64_t percpu_stack_top(unsigned index);
uint64_t percpu_double_fault_stack_top(unsigned index);
uint64_t percpu_nmi_stack_top(unsigned index);

// The running CPU's data (after it set its GS base to it).
static inline struct cpu *
this_cpu(void)
{
  return (struct cpu *)this_cpu_local();
}

#endif
