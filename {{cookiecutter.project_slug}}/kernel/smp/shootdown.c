// TLB shootdown by IPI (see shootdown.h). One shootdown at a time: the
// initiator publishes the address, sends the IPI to every other online CPU
// and halts until each has flushed and counted itself off; the last one
// wakes it with a second IPI. Halting rather than spinning lets an emulator
// that runs all CPUs on one host thread (QEMU's default TCG) run the others.

#include <stdbool.h>
#include <stdint.h>

#include "arch/cpu_local.h"
#include "arch/cpu_regs.h"
#include "arch/spinlock.h"
#include "arch/x86.h"
#include "cpu/idt.h"
#include "cpu/trap.h"
#include "cpu/tsc.h"
#include "dev/lapic.h"
#include "lib/kprintf.h"
#include "mm/paging.h"
#include "smp/percpu.h"
#include "smp/shootdown.h"
#include "smp/smp.h"

#define SHOOTDOWN_WAIT_US 2000000

static struct spinlock shootdown_lock;
static uint64_t shootdown_va;
static uint32_t shootdown_pending;   // CPUs that have not flushed yet
static uint32_t shootdown_initiator; // APIC id the last flusher wakes
static uint64_t shootdowns;

static bool
shootdown_interrupt(struct trap_frame *frame)
{
  (void)frame;
  tlb_flush_page(__atomic_load_n(&shootdown_va, __ATOMIC_ACQUIRE));
  if (__atomic_sub_fetch(&shootdown_pending, 1, __ATOMIC_ACQ_REL) == 0)
    smp_wake(shootdown_initiator);
  lapic_eoi();
  return true;
}

void
shootdown_init(void)
{
  trap_set_handler(IDT_TLB_SHOOTDOWN, shootdown_interrupt);
  paging_set_remote_flush(tlb_shootdown);
}

void
tlb_shootdown(uint64_t va)
{
  if (smp_cpus_online() < 2)
    return;
  if (!(rflags_read() & RFLAGS_IF))
    panic("tlb_shootdown: interrupts are off (the other CPUs could not "
          "answer)");
  spin_lock(&shootdown_lock);
  unsigned me = cpu_index(), sent = 0;
  __atomic_store_n(&shootdown_va, va, __ATOMIC_RELEASE);
  shootdown_initiator = this_cpu()->apic_id;
  // Counted before any IPI goes out, so no flusher sees 0 too early.
  __atomic_store_n(&shootdown_pending, 1, __ATOMIC_RELEASE);
  for (unsigned i = 0; i < smp_cpu_slots(); i++) {
    if (i == me || !__atomic_load_n(&percpu(i)->online, __ATOMIC_ACQUIRE))
      continue;
    __atomic_fetch_add(&shootdown_pending, 1, __ATOMIC_ACQ_REL);
    lapic_send_ipi(percpu(i)->apic_id,
                   LAPIC_ICR_FIXED | LAPIC_ICR_ASSERT | IDT_TLB_SHOOTDOWN);
    sent++;
  }
  uint64_t limit = tsc_cycles(SHOOTDOWN_WAIT_US), begin = rdtsc();
  interrupts_disable(); // checked with interrupts off: no lost wake-up
  if (__atomic_sub_fetch(&shootdown_pending, 1, __ATOMIC_ACQ_REL) != 0)
    while (__atomic_load_n(&shootdown_pending, __ATOMIC_ACQUIRE) != 0) {
      if (rdtsc() - begin > limit)
        panic("tlb_shootdown: %u of %u CPUs did not flush %p within %u us",
              __atomic_load_n(&shootdown_pending, __ATOMIC_RELAXED), sent,
              (void *)va, SHOOTDOWN_WAIT_US);
      cpu_wait_for_interrupt(); // the wake IPI, or this CPU's timer
    }
  interrupts_enable();
  shootdowns++;
  spin_unlock(&shootdown_lock);
}

uint64_t
shootdown_count(void)
{
  return shootdowns;
}
