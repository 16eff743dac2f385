// The local APIC of the boot CPU: mapping it, enabling it, and its error
// and spurious interrupts (its timer is lapic_timer.c). Registers are
// 32-bit, 16-byte aligned, in one 4 KiB page mapped uncached; they are read
// and written only through lapic_read/lapic_write (mmio.h).
// Intel SDM vol. 3A chapter 10 "Advanced Programmable Interrupt Controller
// (APIC)" (2016-2021 editions; chapter 11 in later ones): 10.4 for the
// base address and enabling, 10.5.3 for errors, 10.9 for the spurious
// vector.

#include <stdbool.h>
#include <stdint.h>

#include "arch/cpu_regs.h"
#include "arch/x86.h"
#include "cpu/idt.h"
#include "cpu/trap.h"
#include "cpu/tsc.h"
#include "dev/lapic.h"
#include "dev/lapic_regs.h"
#include "dev/mmio.h"
#include "layout.h"
#include "lib/kprintf.h"

#define LAPIC_VERSION_MASK  0xFF
#define LAPIC_MAX_LVT_SHIFT 16 // bits 23..16: LVT entries - 1
#define LAPIC_MAX_LVT_MASK  0xFF
#define LAPIC_SVR_ENABLE    (1u << 8) // APIC software enable
#define LAPIC_ID_SHIFT      24        // xAPIC id: bits 31..24

// IA32_APIC_BASE MSR, SDM vol. 3A 10.4.4 (figure 10-5).
#define APIC_BASE_ENABLE       (1ull << 11) // global enable
#define APIC_BASE_ADDRESS_MASK 0x000FFFFFFFFFF000ull

static volatile void *lapic;
static uint64_t spurious_count;

uint32_t
lapic_read(uint32_t reg)
{
  return mmio_read32(lapic, reg);
}

void
lapic_write(uint32_t reg, uint32_t value)
{
  mmio_write32(lapic, reg, value);
}

void
lapic_eoi(void)
{
  lapic_write(LAPIC_REG_EOI, 0);
}

// The ESR latches errors; writing it (twice, back to back, 10.5.3) loads
// the current state for reading.
static bool
lapic_error_interrupt(struct trap_frame *frame)
{
  (void)frame;
  lapic_write(LAPIC_REG_ESR, 0);
  lapic_write(LAPIC_REG_ESR, 0);
  kprintf("[lapic] error interrupt: ESR 0x%x\n", lapic_read(LAPIC_REG_ESR));
  lapic_eoi();
  return true;
}

// A spurious interrupt is not in service: no EOI (SDM 10.9).
static bool
lapic_spurious_interrupt(struct trap_frame *frame)
{
  (void)frame;
  spurious_count++;
  return true;
}

// The MADT's address if it has one, else the MSR's; the MSR's enable bit
// is set if the firmware left it clear.
static uint64_t
lapic_phys_address(uint64_t madt_phys)
{
  uint64_t base = msr_read(MSR_IA32_APIC_BASE);
  uint64_t msr_phys = base & APIC_BASE_ADDRESS_MASK;

  if (!(base & APIC_BASE_ENABLE))
    msr_write(MSR_IA32_APIC_BASE, base | APIC_BASE_ENABLE);
  if (madt_phys == 0) {
    kprintf("[lapic] address from IA32_APIC_BASE: 0x%lx (no MADT)\n", msr_phys);
    return msr_phys;
  }
  if (madt_phys != msr_phys)
    kprintf("[lapic] note: MADT says 0x%lx, IA32_APIC_BASE 0x%lx; using the "
            "MADT's\n",
            madt_phys, msr_phys);
  return madt_phys;
}

void
lapic_init(uint64_t phys)
{
  phys = lapic_phys_address(phys);
  lapic = mmio_map(LAYOUT_LAPIC_VIRT, phys, 1,
                   MMIO_WRITABLE | MMIO_UNCACHED | MMIO_NO_EXEC);
  if (!lapic)
    panic("lapic_init: cannot map the local APIC at 0x%lx", phys);

  trap_set_handler(IDT_LAPIC_ERROR, lapic_error_interrupt);
  trap_set_handler(IDT_LAPIC_SPURIOUS, lapic_spurious_interrupt);

  lapic_write(LAPIC_REG_TPR, 0); // accept every priority
  lapic_write(LAPIC_REG_LVT_TIMER, LAPIC_LVT_MASKED | IDT_LAPIC_TIMER);
  lapic_write(LAPIC_REG_LVT_ERROR, IDT_LAPIC_ERROR);
  lapic_write(LAPIC_REG_ESR, 0);
  lapic_write(LAPIC_REG_ESR, 0);
  lapic_write(LAPIC_REG_SVR, LAPIC_SVR_ENABLE | IDT_LAPIC_SPURIOUS);

  uint32_t version = lapic_read(LAPIC_REG_VERSION);
  kprintf("[lapic] id %u, version 0x%x, %u LVT entries, phys 0x%lx mapped "
          "uncached at %p; spurious vector 0x%x, error vector 0x%x\n",
          lapic_read(LAPIC_REG_ID) >> LAPIC_ID_SHIFT,
          version & LAPIC_VERSION_MASK,
          ((version >> LAPIC_MAX_LVT_SHIFT) & LAPIC_MAX_LVT_MASK) + 1, phys,
          (void *)lapic, IDT_LAPIC_SPURIOUS, IDT_LAPIC_ERROR);
}

void
lapic_init_ap(void)
{
  uint64_t base = msr_read(MSR_IA32_APIC_BASE);

  if (!(base & APIC_BASE_ENABLE))
    msr_write(MSR_IA32_APIC_BASE, base | APIC_BASE_ENABLE);
  lapic_write(LAPIC_REG_TPR, 0);
  lapic_write(LAPIC_REG_LVT_TIMER, LAPIC_LVT_MASKED | IDT_LAPIC_TIMER);
  lapic_write(LAPIC_REG_LVT_ERROR, IDT_LAPIC_ERROR);
  lapic_write(LAPIC_REG_ESR, 0);
  lapic_write(LAPIC_REG_ESR, 0);
  lapic_write(LAPIC_REG_SVR, LAPIC_SVR_ENABLE | IDT_LAPIC_SPURIOUS);
}

uint32_t
lapic_id(void)
{
  return lapic_read(LAPIC_REG_ID) >> LAPIC_ID_SHIFT;
}

#define ICR_PENDING    (1u << 12) // delivery status: not yet sent
#define ICR_WAIT_US    100000
#define XAPIC_MAX_DEST 0xFF // the ICR's destination field has 8 bits

// xAPIC: the destination goes in the high word, and writing the low word
// sends (SDM 10.6.1). The caller keeps interrupts off around the pair, so
// a handler's IPI cannot slip between the two writes.
bool
lapic_send_ipi(uint32_t apic_id, uint32_t icr_command)
{
  if (apic_id > XAPIC_MAX_DEST)
    return false; // only x2APIC mode reaches it
  uint64_t flags = rflags_read();
  interrupts_disable();
  lapic_write(LAPIC_REG_ICR_HIGH, apic_id << LAPIC_ID_SHIFT);
  lapic_write(LAPIC_REG_ICR_LOW, icr_command);
  uint64_t limit = tsc_cycles(ICR_WAIT_US), begin = rdtsc();
  bool sent;
  while (!(sent = !(lapic_read(LAPIC_REG_ICR_LOW) & ICR_PENDING)) &&
         rdtsc() - begin < limit)
    cpu_pause();
  if (flags & RFLAGS_IF)
    interrupts_enable();
  return sent;
}
