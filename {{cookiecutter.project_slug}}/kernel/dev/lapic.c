// The local APIC of the boot CPU: choosing its mode, enabling it, and its
// error and spurious interrupts (its timer is lapic_timer.c). In xAPIC
// mode its registers are 32-bit, 16-byte aligned, in one 4 KiB page mapped
// uncached; in x2APIC mode they are MSRs. Either way they are read and
// written only through lapic_read/lapic_write.
// Intel SDM vol. 3A chapter 10 "Advanced Programmable Interrupt Controller
// (APIC)" (2016-2021 editions; chapter 11 in later ones): 10.4 for the
// base address and enabling, 10.5.3 for errors, 10.9 for the spurious
// vector, 10.12 for x2APIC mode.

#include <stdbool.h>
#include <stdint.h>

#include "arch/cpu_regs.h"
#include "arch/x86.h"
#include "cpu/idt.h"
#include "cpu/trap.h"
#include "dev/lapic.h"
#include "dev/lapic_mode.h"
#include "dev/lapic_regs.h"
#include "dev/mmio.h"
#include "layout.h"
#include "lib/kprintf.h"

#define LAPIC_VERSION_MASK  0xFF
#define LAPIC_MAX_LVT_SHIFT 16 // bits 23..16: index of the last LVT entry
#define LAPIC_MAX_LVT_MASK  0xFF
#define LAPIC_LVT_PERF      4 // the LVT entries that exist from this index
#define LAPIC_LVT_THERMAL   5
#define LAPIC_LVT_CMCI      6
#define LAPIC_SVR_ENABLE    (1u << 8) // APIC software enable
#define XAPIC_ID_SHIFT      24        // xAPIC id: bits 31..24 (x2APIC: all)

static enum lapic_mode mode;
static volatile void *lapic; // xAPIC mode: the mapped register page
static uint64_t spurious_count;

uint32_t
lapic_read(uint32_t reg)
{
  if (mode == LAPIC_X2APIC)
    return (uint32_t)msr_read(X2APIC_MSR_BASE + (reg >> 4));
  return mmio_read32(lapic, reg);
}

void
lapic_write(uint32_t reg, uint32_t value)
{
  if (mode == LAPIC_X2APIC)
    msr_write(X2APIC_MSR_BASE + (reg >> 4), value);
  else
    mmio_write32(lapic, reg, value);
}

void
lapic_eoi(void)
{
  lapic_write(LAPIC_REG_EOI, 0);
}

bool
lapic_x2apic_mode(void)
{
  return mode == LAPIC_X2APIC;
}

uint32_t
lapic_id(void)
{
  uint32_t id = lapic_read(LAPIC_REG_ID);
  return mode == LAPIC_X2APIC ? id : id >> XAPIC_ID_SHIFT;
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

// The mode, from CPUID and IA32_APIC_BASE as the firmware left them;
// halts when there is no local APIC to drive.
static uint64_t
lapic_choose_mode(void)
{
  uint32_t a, b, ecx, edx;

  cpuid(1, &a, &b, &ecx, &edx);
  // Without an APIC the MSR may not exist either.
  uint64_t base = (edx & CPUID1_EDX_APIC) ? msr_read(MSR_IA32_APIC_BASE) : 0;
  struct lapic_plan plan = lapic_plan(ecx, edx, base);
  if (plan.mode == LAPIC_NONE)
    panic("lapic_init: %s (IA32_APIC_BASE 0x%lx); this kernel needs a local "
          "APIC for its timer",
          plan.why, base);
  if (plan.write_base)
    msr_write(MSR_IA32_APIC_BASE, plan.base);
  mode = plan.mode;
  kprintf("[lapic] %s; IA32_APIC_BASE 0x%lx\n", plan.why, plan.base);
  return plan.base & APIC_BASE_ADDRESS_MASK;
}

// xAPIC mode: the registers are where IA32_APIC_BASE says, which is what
// the CPU decodes; a MADT that says otherwise is wrong (or stale).
static void
lapic_map(uint64_t msr_phys, uint64_t madt_phys)
{
  if (madt_phys == 0)
    kprintf("[lapic] no MADT address; using IA32_APIC_BASE's 0x%lx\n",
            msr_phys);
  else if (madt_phys != msr_phys)
    kprintf("[lapic] note: MADT says 0x%lx, IA32_APIC_BASE 0x%lx; using "
            "IA32_APIC_BASE's\n",
            madt_phys, msr_phys);
  lapic = mmio_map(LAYOUT_LAPIC_VIRT, msr_phys, 1,
                   MMIO_WRITABLE | MMIO_UNCACHED | MMIO_NO_EXEC);
  if (!lapic)
    panic("lapic_init: cannot map the local APIC at 0x%lx", msr_phys);
}

// Mask the LVT entries the firmware may have left armed (performance
// counters, thermal sensor, corrected machine checks: each only where the
// APIC has it), so none raises a vector the kernel does not expect. LINT0
// and LINT1 are set next, by acpi_wire_lints (lapic_set_lint).
static void
lapic_mask_lvts(unsigned max_lvt)
{
  lapic_write(LAPIC_REG_LVT_TIMER, LAPIC_LVT_MASKED | IDT_LAPIC_TIMER);
  if (max_lvt >= LAPIC_LVT_PERF)
    lapic_write(LAPIC_REG_LVT_PERF, LAPIC_LVT_MASKED);
  if (max_lvt >= LAPIC_LVT_THERMAL)
    lapic_write(LAPIC_REG_LVT_THERMAL, LAPIC_LVT_MASKED);
  if (max_lvt >= LAPIC_LVT_CMCI)
    lapic_write(LAPIC_REG_LVT_CMCI, LAPIC_LVT_MASKED);
}

void
lapic_init(uint64_t madt_phys)
{
  uint64_t msr_phys = lapic_choose_mode();

  if (mode == LAPIC_XAPIC)
    lapic_map(msr_phys, madt_phys);
  trap_set_handler(IDT_LAPIC_ERROR, lapic_error_interrupt);
  trap_set_handler(IDT_LAPIC_SPURIOUS, lapic_spurious_interrupt);

  // Software-enable first: while the APIC is software-disabled every LVT
  // mask bit reads as set and writes that clear it are ignored (SDM
  // 10.4.7.2), so the error LVT set up before would stay masked.
  lapic_write(LAPIC_REG_SVR, LAPIC_SVR_ENABLE | IDT_LAPIC_SPURIOUS);
  lapic_write(LAPIC_REG_TPR, 0); // accept every priority
  uint32_t version = lapic_read(LAPIC_REG_VERSION);
  unsigned max_lvt = (version >> LAPIC_MAX_LVT_SHIFT) & LAPIC_MAX_LVT_MASK;
  lapic_mask_lvts(max_lvt);
  lapic_write(LAPIC_REG_ESR, 0); // drop errors latched before now
  lapic_write(LAPIC_REG_ESR, 0);
  lapic_write(LAPIC_REG_LVT_ERROR, IDT_LAPIC_ERROR);

  if (mode == LAPIC_X2APIC)
    kprintf("[lapic] id %u, version 0x%x, %u LVT entries, x2APIC mode "
            "(MSRs); spurious vector 0x%x, error vector 0x%x\n",
            lapic_id(), version & LAPIC_VERSION_MASK, max_lvt + 1,
            IDT_LAPIC_SPURIOUS, IDT_LAPIC_ERROR);
  else
    kprintf("[lapic] id %u, version 0x%x, %u LVT entries, phys 0x%lx mapped "
            "uncached at %p; spurious vector 0x%x, error vector 0x%x\n",
            lapic_id(), version & LAPIC_VERSION_MASK, max_lvt + 1, msr_phys,
            (void *)lapic, IDT_LAPIC_SPURIOUS, IDT_LAPIC_ERROR);
}

void
lapic_init_ap(void)
{
  uint64_t base = msr_read(MSR_IA32_APIC_BASE);

  // The same mode as the boot CPU: x2APIC is entered from xAPIC mode, with
  // the global enable set first (SDM 10.12.5, figure 10-27).
  if (!(base & APIC_BASE_ENABLE))
    msr_write(MSR_IA32_APIC_BASE, base |= APIC_BASE_ENABLE);
  if (mode == LAPIC_X2APIC && !(base & APIC_BASE_EXTD))
    msr_write(MSR_IA32_APIC_BASE, base | APIC_BASE_EXTD);
  // Software-enable before unmasking an LVT entry, as lapic_init does.
  lapic_write(LAPIC_REG_SVR, LAPIC_SVR_ENABLE | IDT_LAPIC_SPURIOUS);
  lapic_write(LAPIC_REG_TPR, 0);
  lapic_write(LAPIC_REG_LVT_TIMER, LAPIC_LVT_MASKED | IDT_LAPIC_TIMER);
  lapic_write(LAPIC_REG_ESR, 0);
  lapic_write(LAPIC_REG_ESR, 0);
  lapic_write(LAPIC_REG_LVT_ERROR, IDT_LAPIC_ERROR);
}

void
lapic_set_lint(unsigned lint, enum lapic_lint how)
{
  uint32_t reg = lint == 0 ? LAPIC_REG_LVT_LINT0 : LAPIC_REG_LVT_LINT1;

  if (how == LAPIC_LINT_MASKED)
    lapic_write(reg, LAPIC_LVT_MASKED);
  else
    lapic_write(
        reg, LAPIC_LVT_NMI |
                 (how == LAPIC_LINT_NMI_ACTIVE_LOW ? LAPIC_LVT_ACTIVE_LOW : 0));
}

uint32_t
lapic_lint(unsigned lint)
{
  return lapic_read(lint == 0 ? LAPIC_REG_LVT_LINT0 : LAPIC_REG_LVT_LINT1);
}

#define ICR_PENDING (1u << 12) // xAPIC delivery status: not yet sent
// Reads of the delivery status before an IPI is declared not sent: each is
// an uncached MMIO read (100 ns or more), so this is over 0.1 s, and it
// needs no calibrated clock (INIT goes out before the timer is measured).
#define ICR_WAIT_READS 1000000
#define XAPIC_MAX_DEST 0xFF // the xAPIC ICR's destination field has 8 bits
#define X2APIC_MSR_ICR (X2APIC_MSR_BASE + (LAPIC_REG_ICR_LOW >> 4))

// xAPIC: the destination goes in the high word, and writing the low word
// sends (SDM 10.6.1); the delivery status says when it has gone. x2APIC:
// one 64-bit write of the ICR MSR, destination in bits 63..32, and no
// delivery status to wait for (SDM 10.12.9). The caller's interrupts stay
// off around it, so a handler's IPI cannot slip between the two writes.
bool
lapic_send_ipi(uint32_t apic_id, uint32_t icr_command)
{
  uint64_t flags = rflags_read();
  bool sent = true;

  if (mode != LAPIC_X2APIC && apic_id > XAPIC_MAX_DEST)
    return false;
  interrupts_disable();
  if (mode == LAPIC_X2APIC) {
    msr_write(X2APIC_MSR_ICR, (uint64_t)apic_id << 32 | icr_command);
  } else {
    lapic_write(LAPIC_REG_ICR_HIGH, apic_id << XAPIC_ID_SHIFT);
    lapic_write(LAPIC_REG_ICR_LOW, icr_command);
    for (long reads = 0;
         !(sent = !(lapic_read(LAPIC_REG_ICR_LOW) & ICR_PENDING)) &&
         reads < ICR_WAIT_READS;
         reads++)
      cpu_pause();
  }
  if (flags & RFLAGS_IF)
    interrupts_enable();
  return sent;
}
