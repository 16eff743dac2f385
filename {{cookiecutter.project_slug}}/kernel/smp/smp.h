// Multiprocessing: starting the other CPUs the MADT lists (smp.c), their
// life in the kernel (ap.c) and keeping their TLBs in step (shootdown.c).
#ifndef SMP_H
#define SMP_H

#include <stdint.h>

// Starting every enabled CPU in the MADT, up to smp_max_cpus in all, in
// two calls, so that the boot does other work during the 10 ms that must
// follow INIT. smp_send_init: the boot CPU's per-CPU data, stacks for the
// others, the trampoline, and INIT to each; needs acpi_init and the LAPIC
// (not its timer), interrupts off. Logs the CPUs beyond the limit. Panics
// only when the boot CPU's own per-CPU page cannot be mapped.
void smp_send_init(void);
// smp_start: once 10 ms have passed since the INIT, STARTUP, STARTUP, and
// wait until they run kernel code; log those that do not and go on without
// them. Needs the calibrated timer (it times the waits), interrupts on.
void smp_start(void);

// CPUs running kernel code (the boot CPU included), and their indices'
// upper bound (indices 0..smp_cpu_slots()-1 may be online).
unsigned smp_cpus_online(void);
unsigned smp_cpu_slots(void);

// Have CPU `index` (an AP, online) run `work` from its idle loop, with
// interrupts on; smp_wait_idle waits until it has returned. For tests.
void smp_run_on(unsigned index, void (*work)(void));
void smp_wait_idle(unsigned index);

// Also installed: kernel_finish (a panic, a fatal trap, the end of a test
// run) first stops the other CPUs with an NMI, and logs how many halted.

// Send IDT_WAKE to the CPU with APIC id `apic_id`: an interrupt whose
// handler does nothing, to end the HLT of a CPU waiting for others (the
// boot CPU for the last AP, a TLB shootdown's initiator for the last CPU
// to flush).
void smp_wake(uint32_t apic_id);

// Called by ap.c when this AP is ready: counts it as online, and wakes the
// boot CPU if it is the last.
struct cpu;
void smp_mark_online(struct cpu *cpu);

// Called by ap_entry.asm on each application processor; never returns.
__attribute__((noreturn)) void smp_ap_main(unsigned index);

#endif
