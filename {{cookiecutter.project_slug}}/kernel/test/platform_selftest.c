// Self-tests for the platform code: a TSS is loaded, exceptions travel
// through the IDT and back (int3, ud2), the LAPIC timer ticks at about its
// rate, the local APIC the kernel drives is this CPU's and its error
// interrupt is armed, device mappings are uncached, and ACPI's CPU count
// and local APIC address are sane.

#include <stdbool.h>
#include <stdint.h>

#include "acpi/boot.h"
#include "arch/cpu_regs.h"
#include "arch/x86.h"
#include "cpu/gdt.h"
#include "cpu/idt.h"
#include "cpu/trap.h"
#include "cpu/tsc.h"
#include "dev/lapic.h"
#include "dev/lapic_regs.h"
#include "dev/lapic_timer.h"
#include "dev/mmio.h"
#include "layout.h"
#include "lib/kprintf.h"
#include "test/platform_selftest.h"

#define VECTOR_BREAKPOINT        3
#define VECTOR_INVALID_OPCODE    6
#define UD2_LENGTH               2 // 0F 0B
#define TICK_TEST_MS             50
#define TICK_TEST_MIN_PERIODS    5 // at slow rates the window grows to this
#define MS_PER_SECOND            1000
#define US_PER_MS                1000
#define APIC_BASE_ADDRESS_MASK   0x000FFFFFFFFFF000ull // SDM vol. 3A 10.4.4
#define CPUID1_EBX_APIC_ID_SHIFT 24 // initial APIC ID: CPUID.1:EBX[31:24]
#define APIC_ID_LOW_MASK         0xFF

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
// longer, timed by the TSC, the tick count must advance by between half and
// twice what the rate predicts. The CPU halts between ticks: QEMU's TCG
// delivers timer interrupts late to a busy-polling CPU, and drops them when
// the host is loaded.
#define TICK_TEST_ATTEMPTS 2

static bool
ticks_in_range(uint64_t counted, uint64_t expected)
{
  return counted >= 1 && counted * 2 >= expected && counted <= expected * 2 + 1;
}

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
  // QEMU's TCG delivers a spinning CPU's timer interrupts late. An emulator
  // whose host stalls can still lose a window's ticks, so a count out of
  // range is measured once more: a dead or miscalibrated timer fails twice.
  uint64_t counted = 0;
  for (int attempt = 0; attempt < TICK_TEST_ATTEMPTS; attempt++) {
    counted = lapic_ticks_during(ms * US_PER_MS);
    kprintf("[test] lapic: %lu ticks in %u ms, %lu expected\n", counted, ms,
            expected);
    if (ticks_in_range(counted, expected))
      return true;
  }
  return false;
}

// The ID register the kernel reads (through its mapping or the MSRs) is
// this CPU's initial APIC ID, as CPUID tells it: the registers are the
// right ones. (The initial ID is 8 bits; an x2APIC ID extends it.)
bool
selftest_lapic_registers(void)
{
  uint32_t a, ebx, c, d;

  cpuid(1, &a, &ebx, &c, &d);
  uint32_t initial = ebx >> CPUID1_EBX_APIC_ID_SHIFT;
  kprintf("[test] lapic: id %u (%s), CPUID initial APIC id %u\n", lapic_id(),
          lapic_x2apic_mode() ? "x2APIC" : "xAPIC", initial);
  return (lapic_id() & APIC_ID_LOW_MASK) == initial;
}

// The error LVT was unmasked, which only sticks once the APIC is
// software-enabled.
bool
selftest_lapic_error_lvt(void)
{
  uint32_t lvt = lapic_read(LAPIC_REG_LVT_ERROR);

  kprintf("[test] lapic: error LVT 0x%x\n", lvt);
  return !(lvt & LAPIC_LVT_MASKED) && (lvt & 0xFF) == IDT_LAPIC_ERROR;
}

bool
selftest_mmio_uncached(void)
{
  return mmio_uncached_type();
}

// The MADT's local APIC address is the CPU's, unless the firmware moved the
// APIC (then the kernel uses the CPU's, which selftest_lapic_registers
// checks); there is at least one CPU.
bool
selftest_acpi_lapic_address(void)
{
  uint64_t msr = msr_read(MSR_IA32_APIC_BASE) & APIC_BASE_ADDRESS_MASK;
  uint64_t madt = acpi_lapic_address();

  if (madt == 0) {
    kprintf("[test] acpi: no MADT, nothing to compare\n");
    return acpi_cpu_count() == 1;
  }
  if (madt != msr)
    kprintf("[test] acpi: MADT 0x%lx, IA32_APIC_BASE 0x%lx\n", madt, msr);
#ifndef FIRMWARE_APIC_MOVED
  if (madt != msr)
    return false;
#endif
  return acpi_cpu_count() >= 1;
}
