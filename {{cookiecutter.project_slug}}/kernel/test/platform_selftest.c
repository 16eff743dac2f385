// Self-tests for the platform code: a TSS is loaded, exceptions travel
// through the IDT and back (int3, ud2), the LAPIC timer ticks at about its
// rate, and ACPI's local APIC address agrees with the CPU's.

#include <stdbool.h>
#include <stdint.h>

#include "acpi/boot.h"
#include "arch/cpu_regs.h"
#include "cpu/gdt.h"
#include "cpu/trap.h"
#include "cpu/tsc.h"
#include "dev/lapic.h"
#include "dev/lapic_timer.h"
#include "layout.h"
#include "lib/kprintf.h"
#include "test/platform_selftest.h"

#define VECTOR_BREAKPOINT      3
#define VECTOR_INVALID_OPCODE  6
#define UD2_LENGTH             2 // 0F 0B
#define TICK_TEST_MS           50
#define TICK_TEST_MIN_PERIODS  5 // at slow rates the window grows to this
#define MS_PER_SECOND          1000
#define US_PER_MS              1000
#define APIC_BASE_ADDRESS_MASK 0x000FFFFFFFFFF000ull // SDM vol. 3A 10.4.4

static volatile int trap_hits;
static volatile uint64_t trap_seen_vector;

bool
selftest_gdt_tss(void)
{
  return gdt_task_register() == GDT_SEL_TSS;
}

static bool
record_trap(struct trap_frame *frame)
{
  trap_hits++;
  trap_seen_vector = frame->vector;
  return true; // int3 is a trap: RIP already points past it
}

bool
selftest_idt_breakpoint(void)
{
  trap_hits = 0;
  trap_set_handler(VECTOR_BREAKPOINT, record_trap);
  __asm__ volatile("int3");
  trap_set_handler(VECTOR_BREAKPOINT, 0);
  return trap_hits == 1 && trap_seen_vector == VECTOR_BREAKPOINT;
}

// #UD is a fault: RIP points at ud2, so the handler steps over it.
static bool
skip_ud2(struct trap_frame *frame)
{
  trap_hits++;
  trap_seen_vector = frame->vector;
  frame->rip += UD2_LENGTH;
  return true;
}

bool
selftest_idt_invalid_opcode(void)
{
  trap_hits = 0;
  trap_set_handler(VECTOR_INVALID_OPCODE, skip_ud2);
  __asm__ volatile("ud2");
  trap_set_handler(VECTOR_INVALID_OPCODE, 0);
  return trap_hits == 1 && trap_seen_vector == VECTOR_INVALID_OPCODE;
}

// Over TICK_TEST_MS, or TICK_TEST_MIN_PERIODS timer periods if that is
// longer, busy-waiting by the TSC, the tick count must advance by between
// half and twice what the rate predicts (emulators without KVM deliver
// timer interrupts loosely to a busy CPU).
bool
selftest_lapic_timer_ticks(void)
{
  uint32_t ms = TICK_TEST_MIN_PERIODS * MS_PER_SECOND / LAYOUT_LAPIC_TIMER_HZ;
  if (ms < TICK_TEST_MS)
    ms = TICK_TEST_MS;
  uint64_t expected = (uint64_t)LAYOUT_LAPIC_TIMER_HZ * ms / MS_PER_SECOND;
  if (!(rflags_read() & RFLAGS_IF))
    return false;
  // Halting between ticks, not busy-waiting: with other CPUs to emulate,
  // QEMU's TCG delivers a spinning CPU's timer interrupts late.
  uint64_t counted = lapic_ticks_during(ms * US_PER_MS);
  kprintf("[test] lapic: %lu ticks in %u ms, %lu expected\n", counted, ms,
          expected);
  return counted >= 1 && counted * 2 >= expected && counted <= expected * 2 + 1;
}

bool
selftest_acpi_lapic_address(void)
{
  uint64_t msr = msr_read(MSR_IA32_APIC_BASE) & APIC_BASE_ADDRESS_MASK;
  uint64_t madt = acpi_lapic_address();

  if (madt == 0) {
    kprintf("[test] acpi: no MADT, nothing to compare\n");
    return acpi_cpu_count() == 1;
  }
  return madt == msr && acpi_cpu_count() >= 1;
}
