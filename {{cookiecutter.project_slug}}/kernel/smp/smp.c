// Starting the application processors (see smp.h), by the MP initialisation
// protocol of Intel SDM vol. 3A, 8.4.4.1 "Typical BSP Initialization
// Sequence": INIT to each AP, 10 ms, STARTUP with the trampoline's page
// number, 200 us, a second STARTUP to those not yet running. Every AP gets
// each step at once, so the waits are paid once, not per CPU.
//
// The 10 ms after INIT are not spent idle: INIT goes out before the timer
// is calibrated (smp_send_init), and the calibration and the boot's tick
// check run while the APs sit in wait-for-SIPI. smp_start then waits out
// what is left of the 10 ms, timed by the TSC, whose rate the calibration
// has measured by then, and sends the STARTUPs.

#include <stdbool.h>
#include <stdint.h>

#include "acpi/boot.h"
#include "arch/cpu_local.h"
#include "arch/cpu_regs.h"
#include "arch/x86.h"
#include "cpu/idt.h"
#include "cpu/trap.h"
#include "cpu/tsc.h"
#include "dev/lapic.h"
#include "dev/shutdown.h"
#include "layout.h"
#include "lib/kprintf.h"
#include "smp/percpu.h"
#include "smp/plan.h"
#include "smp/shootdown.h"
#include "smp/smp.h"
#include "smp/trampoline.h"

#define INIT_WAIT_US    10000       // SDM 8.4.4.1: 10 ms after INIT
#define STARTUP_WAIT_US 200         // SDM 8.4.4.1: 200 us after each STARTUP
#define STOP_WAIT_US    100000      // for the other CPUs to take the NMI
#define NO_APIC_ID      0xFFFFFFFFu // an unused smp_apic_ids entry
#define VECTOR_NMI      2

// Then wait this long for the slowest CPU: generous, because an emulator's
// clock (TCG's follows the host's) runs on while a busy host starves it.
#define ONLINE_WAIT_US 2000000

_Static_assert(SMP_PLAN_MAX == MADT_MAX_CPUS, "the plan judges every CPU kept");

// Read by ap_entry.asm before an AP has a stack.
uint64_t smp_kernel_cr3;
uint32_t smp_apic_ids[LAYOUT_SMP_MAX_CPUS];
uint64_t smp_stack_tops[LAYOUT_SMP_MAX_CPUS];

static unsigned slots = 1; // CPU indices in use: the BSP is 0
static unsigned online = 1;
static uint64_t first_init;    // TSC when INIT went out (0: not sent)
static uint64_t first_startup; // TSC when the first STARTUP went out
static uint8_t startup_vector; // the trampoline's page number
static uint32_t stopping;      // set once a CPU ends the run
static uint32_t stopped;       // CPUs halted by its NMI

unsigned
smp_cpus_online(void)
{
  return __atomic_load_n(&online, __ATOMIC_ACQUIRE);
}

unsigned
smp_cpu_slots(void)
{
  return slots;
}

void
smp_wake(uint32_t apic_id)
{
  lapic_send_ipi(apic_id, LAPIC_ICR_FIXED | LAPIC_ICR_ASSERT | IDT_WAKE);
}

// Its work is done by arriving: the CPU leaves HLT.
static bool
smp_wake_interrupt(struct trap_frame *frame)
{
  (void)frame;
  lapic_eoi();
  return true;
}

void
smp_mark_online(struct cpu *cpu)
{
  cpu->online_tsc = rdtsc();
  __atomic_store_n(&cpu->online, true, __ATOMIC_RELEASE);
  if (__atomic_add_fetch(&online, 1, __ATOMIC_ACQ_REL) == slots)
    smp_wake(smp_apic_ids[0]); // the boot CPU halts until the last is up
}

// The boot CPU moves its GS base to its struct cpu in the per-CPU area.
static void
smp_boot_cpu(void)
{
  if (!percpu_map(0, false))
    panic("smp_send_init: no memory for the boot CPU's per-CPU page");
  struct cpu *bsp = percpu(0);
  for (unsigned i = 0; i < LAYOUT_SMP_MAX_CPUS; i++)
    smp_apic_ids[i] = NO_APIC_ID; // matches no CPU in ap_entry.asm
  bsp->local.index = 0;
  bsp->apic_id = lapic_id();
  bsp->online = true;
  bsp->online_tsc = rdtsc();
  cpu_local_set(&bsp->local);
  smp_apic_ids[0] = bsp->apic_id;
}

// Give AP `madt_index` (APIC id `id`) the next index and its stacks.
static void
smp_add_cpu(unsigned madt_index, uint32_t id)
{
  if (!percpu_map(slots, true)) {
    kprintf("[smp] cpu %u (APIC id %u) left halted: no memory for its "
            "stacks\n",
            madt_index, id);
    return;
  }
  percpu(slots)->apic_id = id;
  smp_apic_ids[slots] = id;
  smp_stack_tops[slots] = percpu_stack_top(slots);
  slots++;
}

// Give each AP of the plan (plan.c) an index and its stacks; return how
// many got one. CPUs beyond smp_max_cpus are logged and never sent
// anything, so they stay halted in wait-for-SIPI.
static unsigned
smp_assign_cpus(void)
{
  unsigned listed = acpi_cpu_count();
  struct smp_plan plan;

  if (listed < 2)
    return 0;
  const uint32_t *ids = acpi_result()->madt.cpu_apic_ids;
  if (listed > SMP_PLAN_MAX) {
    kprintf("[smp] the MADT lists %u CPUs; the parser kept %u\n", listed,
            SMP_PLAN_MAX);
    listed = SMP_PLAN_MAX;
  }
  smp_plan_make(ids, listed, percpu(0)->apic_id, LAYOUT_SMP_MAX_CPUS, &plan);
  for (unsigned i = 0; i < listed; i++) {
    if (plan.verdict[i] == SMP_START)
      smp_add_cpu(i, ids[i]);
    else if (plan.verdict[i] == SMP_OVER_LIMIT)
      kprintf("[smp] cpu %u (APIC id %u) left halted: smp_max_cpus is %u "
              "(layout.cfg)\n",
              i, ids[i], (unsigned)LAYOUT_SMP_MAX_CPUS);
    else if (plan.verdict[i] == SMP_DUPLICATE)
      kprintf("[smp] cpu %u (APIC id %u) ignored: %s\n", i, ids[i],
              smp_verdict_name(plan.verdict[i]));
  }
  return slots - 1;
}

static bool
smp_cpu_online(unsigned index)
{
  return __atomic_load_n(&percpu(index)->online, __ATOMIC_ACQUIRE);
}

// Send `command` to every AP not yet online (all of them for INIT).
static void
smp_send_all(uint32_t command)
{
  for (unsigned i = 1; i < slots; i++) {
#ifdef KERNEL_FAULT_smp_no_start
    // Fault injection: the last AP gets INIT but no STARTUP.
    if (i == slots - 1 && (command & LAPIC_ICR_STARTUP) == LAPIC_ICR_STARTUP)
      continue;
#endif
    if (!smp_cpu_online(i) && !lapic_send_ipi(smp_apic_ids[i], command))
      kprintf("[smp] APIC id %u: IPI 0x%x not sent\n", smp_apic_ids[i],
              command);
  }
}

static bool
smp_all_online(void)
{
  for (unsigned i = 1; i < slots; i++)
    if (!smp_cpu_online(i))
      return false;
  return true;
}

// STARTUP, STARTUP, once INIT_WAIT_US have passed since the INIT; then
// wait for every AP.
static void
smp_start_aps(uint8_t vector)
{
  uint64_t init_wait = tsc_cycles(INIT_WAIT_US);
  while (rdtsc() - first_init < init_wait)
    cpu_pause();
  first_startup = rdtsc();
  smp_send_all(LAPIC_ICR_STARTUP | LAPIC_ICR_ASSERT | vector);
  tsc_wait_us(STARTUP_WAIT_US);
  smp_send_all(LAPIC_ICR_STARTUP | LAPIC_ICR_ASSERT | vector);
  tsc_wait_us(STARTUP_WAIT_US);
  uint64_t limit = tsc_cycles(ONLINE_WAIT_US), begin = rdtsc();
  while (!smp_all_online() && rdtsc() - begin < limit)
    cpu_wait_for_interrupt(); // the last AP wakes it, else its own timer
}

// Another CPU ends the run: halt. Any other NMI is reported as before.
static bool
smp_stop_nmi(struct trap_frame *frame)
{
  (void)frame;
  if (!__atomic_load_n(&stopping, __ATOMIC_ACQUIRE))
    return false;
  __atomic_fetch_add(&stopped, 1, __ATOMIC_RELEASE);
  cpu_halt_forever();
}

// kernel_finish's first step: an NMI to every other CPU online, which gets
// through even to one spinning with interrupts off on a lock this CPU
// holds, then a short wait until they have halted. CPUs that never started
// get none: they may still sit in firmware code that an NMI would crash.
static void
smp_stop_others(void)
{
  unsigned others = smp_cpus_online() - 1;

  if (others == 0 || __atomic_exchange_n(&stopping, 1, __ATOMIC_ACQ_REL))
    return;
  for (unsigned i = 0; i < slots; i++)
    if (i != cpu_index() && smp_cpu_online(i))
      lapic_send_ipi(smp_apic_ids[i], LAPIC_ICR_NMI | LAPIC_ICR_ASSERT);
  uint64_t limit = tsc_cycles(STOP_WAIT_US), begin = rdtsc();
  while (__atomic_load_n(&stopped, __ATOMIC_ACQUIRE) < others &&
         rdtsc() - begin < limit)
    cpu_pause();
  kprintf("[smp] cpu %u stopped %u of %u other CPUs\n", cpu_index(),
          __atomic_load_n(&stopped, __ATOMIC_ACQUIRE), others);
}

void
smp_send_init(void)
{
  smp_boot_cpu();
  trap_set_handler(IDT_WAKE, smp_wake_interrupt);
  shootdown_init();
  unsigned aps = smp_assign_cpus();
  if (aps == 0) {
    kprintf("[smp] 1 CPU online (no other CPU to start)\n");
    return;
  }
  trap_set_handler(VECTOR_NMI, smp_stop_nmi);
  shutdown_set_stop_others(smp_stop_others);
  smp_kernel_cr3 = cr3_read();
  startup_vector = trampoline_install();
  first_init = rdtsc();
  smp_send_all(LAPIC_ICR_INIT | LAPIC_ICR_ASSERT);
}

void
smp_start(void)
{
  if (first_init == 0)
    return; // no other CPU, or none sent INIT
  interrupts_disable();
  smp_start_aps(startup_vector);
  interrupts_enable();

  uint64_t last = first_init;
  for (unsigned i = 1; i < slots; i++) {
    if (!smp_cpu_online(i))
      kprintf("[smp] cpu %u (APIC id %u) did not start\n", i, smp_apic_ids[i]);
    else if (percpu(i)->online_tsc > last)
      last = percpu(i)->online_tsc;
  }
  // In cycles per millisecond: a slow emulated TSC has under one per us.
  uint64_t per_ms = tsc_cycles(1000);
  uint64_t since_startup = last > first_startup ? last - first_startup : 0;
  kprintf("[smp] %u of %u CPUs online, the last %lu us after the first INIT "
          "and %lu us after the first STARTUP (vector 0x%x)\n",
          smp_cpus_online(), slots, (last - first_init) * 1000 / per_ms,
          since_startup * 1000 / per_ms, startup_vector);
}
