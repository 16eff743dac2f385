// The local APIC of the boot CPU: its registers, its interrupts (timer,
// error, spurious) and its timer, calibrated against the PIT. Registers are
// 32-bit, 16-byte aligned, in one 4 KiB page mapped uncached; they are read
// and written only through lapic_read/lapic_write (mmio.h).
// Intel SDM vol. 3A chapter 10 "Advanced Programmable Interrupt Controller
// (APIC)" (2016-2021 editions; chapter 11 in later ones): table 10-1 for
// the register map, 10.5.4 for the timer, 10.9 for the spurious vector.

#include <stdbool.h>
#include <stdint.h>

#include "cpu_regs.h"
#include "idt.h"
#include "kprintf.h"
#include "lapic.h"
#include "layout.h"
#include "mmio.h"
#include "pit.h"
#include "trap.h"

// Register offsets, SDM vol. 3A table 10-1 "Local APIC Register Address Map".
#define LAPIC_REG_ID            0x020
#define LAPIC_REG_VERSION       0x030
#define LAPIC_VERSION_MASK      0xFF
#define LAPIC_MAX_LVT_SHIFT     16 // bits 23..16: LVT entries - 1
#define LAPIC_MAX_LVT_MASK      0xFF
#define LAPIC_REG_TPR           0x080     // task priority
#define LAPIC_REG_EOI           0x0B0     // write 0: end of interrupt
#define LAPIC_REG_SVR           0x0F0     // spurious interrupt vector
#define LAPIC_SVR_ENABLE        (1u << 8) // APIC software enable
#define LAPIC_REG_ESR           0x280     // error status
#define LAPIC_REG_LVT_TIMER     0x320
#define LAPIC_TIMER_PERIODIC    (1u << 17) // bits 18..17 = 01
#define LAPIC_REG_LVT_ERROR     0x370
#define LAPIC_LVT_MASKED        (1u << 16)
#define LAPIC_REG_TIMER_INITIAL 0x380
#define LAPIC_REG_TIMER_CURRENT 0x390
#define LAPIC_REG_TIMER_DIVIDE  0x3E0
#define LAPIC_DIVIDE_BY_16      0x3 // SDM figure 10-10: 0011b
#define LAPIC_DIVISOR           16

#define LAPIC_ID_SHIFT 24 // xAPIC id: bits 31..24

// IA32_APIC_BASE MSR, SDM vol. 3A 10.4.4 (figure 10-5).
#define APIC_BASE_ENABLE       (1ull << 11) // global enable
#define APIC_BASE_ADDRESS_MASK 0x000FFFFFFFFFF000ull

#define CALIBRATION_US  20000 // PIT reference interval
#define US_PER_SECOND   1000000u
#define MS_PER_SECOND   1000u
#define TIMER_COUNT_MAX 0xFFFFFFFFu

static volatile void *lapic;
static volatile uint64_t ticks;
static uint64_t bus_hz;
static uint32_t timer_hz;
static uint64_t spurious_count;

static uint32_t
lapic_read(uint32_t reg)
{
  return mmio_read32(lapic, reg);
}

static void
lapic_write(uint32_t reg, uint32_t value)
{
  mmio_write32(lapic, reg, value);
}

void
lapic_eoi(void)
{
  lapic_write(LAPIC_REG_EOI, 0);
}

static bool
lapic_timer_interrupt(struct trap_frame *frame)
{
  (void)frame;
  ticks++;
  lapic_eoi();
  return true;
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

  trap_set_handler(IDT_LAPIC_TIMER, lapic_timer_interrupt);
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

// Let the timer count down from its maximum, masked, while the PIT measures
// CALIBRATION_US; the counts it lost give the input clock.
static uint64_t
lapic_calibrate(void)
{
  lapic_write(LAPIC_REG_TIMER_DIVIDE, LAPIC_DIVIDE_BY_16);
  lapic_write(LAPIC_REG_LVT_TIMER,
              LAPIC_LVT_MASKED | IDT_LAPIC_TIMER); // one-shot
  lapic_write(LAPIC_REG_TIMER_INITIAL, TIMER_COUNT_MAX);
  pit_wait_us(CALIBRATION_US);
  uint32_t elapsed = TIMER_COUNT_MAX - lapic_read(LAPIC_REG_TIMER_CURRENT);
  lapic_write(LAPIC_REG_TIMER_INITIAL, 0); // stop
  kprintf("[pit] reference interval %u us (%lu PIT ticks at %u Hz): "
          "%u LAPIC timer counts\n",
          CALIBRATION_US,
          CALIBRATION_US * (uint64_t)PIT_FREQUENCY_HZ / US_PER_SECOND,
          PIT_FREQUENCY_HZ, elapsed);
  return (uint64_t)elapsed * LAPIC_DIVISOR * US_PER_SECOND / CALIBRATION_US;
}

void
lapic_timer_start(uint32_t hz)
{
  bus_hz = lapic_calibrate();
  uint64_t count = bus_hz / LAPIC_DIVISOR / hz;
  if (count == 0 || count > TIMER_COUNT_MAX)
    panic("lapic_timer_start: bus %lu Hz cannot give %u Hz", bus_hz, hz);
  timer_hz = hz;
  lapic_write(LAPIC_REG_TIMER_DIVIDE, LAPIC_DIVIDE_BY_16);
  lapic_write(LAPIC_REG_LVT_TIMER, LAPIC_TIMER_PERIODIC | IDT_LAPIC_TIMER);
  lapic_write(LAPIC_REG_TIMER_INITIAL, (uint32_t)count);
  kprintf("[lapic] bus frequency %lu.%06lu MHz; timer periodic at %u Hz "
          "(divide by %d, initial count %lu)\n",
          bus_hz / US_PER_SECOND, bus_hz % US_PER_SECOND, hz, LAPIC_DIVISOR,
          count);
}

uint64_t
lapic_ticks(void)
{
  return ticks;
}

uint64_t
lapic_ticks_during(uint32_t milliseconds)
{
  uint64_t start = ticks;

  if (!(rflags_read() & RFLAGS_IF))
    kprintf("[lapic] warning: interrupts are off, no tick will be counted\n");
  pit_wait_us(milliseconds * (uint32_t)MS_PER_SECOND);
  uint64_t counted = ticks - start;
  kprintf("[lapic] %lu ticks in %u ms measured by the PIT (%lu expected at %u "
          "Hz)\n",
          counted, milliseconds,
          timer_hz * (uint64_t)milliseconds / MS_PER_SECOND, timer_hz);
  return counted;
}

uint64_t
lapic_bus_hz(void)
{
  return bus_hz;
}
