// An application processor's life in the kernel: from smp_ap_main (called
// by ap_entry.asm on its own stack, interrupts off) through its own GDT and
// TSS, the shared IDT, its local APIC and timer, to the idle loop, where it
// waits for interrupts and for work (smp_run_on).

#include <stdbool.h>
#include <stdint.h>

#include "acpi/boot.h"
#include "arch/cpu_local.h"
#include "arch/x86.h"
#include "cpu/gdt.h"
#include "cpu/idt.h"
#include "cpu/trap.h"
#include "dev/lapic.h"
#include "dev/lapic_timer.h"
#include "smp/percpu.h"
#include "smp/smp.h"

static bool
ap_timer_interrupt(struct trap_frame *frame)
{
  (void)frame;
  this_cpu()->ticks++;
  lapic_eoi();
  return true;
}

// Work is looked for with interrupts off, and STI takes effect only after
// the HLT that follows it: work posted after the look is found at the next
// interrupt (this CPU's timer tick at the latest), never missed.
__attribute__((noreturn)) static void
ap_idle(struct cpu *cpu)
{
  for (;;) {
    interrupts_disable();
    void (*work)(void) = __atomic_load_n(&cpu->work, __ATOMIC_ACQUIRE);
    if (work) {
      interrupts_enable();
      work();
      __atomic_store_n(&cpu->work, 0, __ATOMIC_RELEASE);
      continue;
    }
    cpu_wait_for_interrupt();
  }
}

void
smp_ap_main(unsigned index)
{
  struct cpu *cpu = percpu(index);

  cpu->local.index = index;
  cpu_local_set(&cpu->local);
  gdt_init_ap(&cpu->tables, percpu_stack_top(index),
              percpu_double_fault_stack_top(index),
              percpu_nmi_stack_top(index));
  idt_load();
  lapic_init_ap();
  acpi_wire_lints(false); // external NMIs go to the boot CPU alone
  trap_set_handler(IDT_AP_TIMER, ap_timer_interrupt);
  lapic_timer_start_ap(IDT_AP_TIMER);
  smp_mark_online(cpu);
  ap_idle(cpu);
}

void
smp_run_on(unsigned index, void (*work)(void))
{
  smp_wait_idle(index);
  __atomic_store_n(&percpu(index)->work, work, __ATOMIC_RELEASE);
}

void
smp_wait_idle(unsigned index)
{
  while (__atomic_load_n(&percpu(index)->work, __ATOMIC_ACQUIRE))
    cpu_pause();
}
