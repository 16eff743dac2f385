// The High Precision Event Timer, used only for its main counter: a clock
// whose period the hardware states (in femtoseconds, in its capabilities
// register), to calibrate the local APIC timer and the TSC where the ACPI
// HPET table lists one. Its timers and interrupts are not used.
// IA-PC HPET specification 1.0a, 2.3.4 (capabilities), 2.3.5
// (configuration), 2.3.7 (main counter). Registers are read 32 bits at a
// time, which the specification allows.

#include <stdbool.h>
#include <stdint.h>

#include "dev/hpet.h"
#include "dev/mmio.h"
#include "lib/kprintf.h"

#define HPET_REG_PERIOD    0x004      // capabilities, bits 63:32: period in fs
#define HPET_REG_CONFIG    0x010      // general configuration
#define HPET_REG_COUNTER   0x0F0      // main counter, low 32 bits
#define HPET_CONFIG_ENABLE (1u << 0)  // the main counter runs
#define HPET_PERIOD_MAX    100000000u // 100 ns: the specification's slowest
#define FS_PER_SECOND      1000000000000000ull
#define PAGE_MASK          0xFFFull
// Reads of a counter that does not move before it is declared stopped: at
// least 100 ns each on any PC, so more than a tenth of a second, while a
// counter of at least 10 MHz moves within a microsecond.
#define HPET_STILL_READS 1000000

static volatile void *hpet;
static uint64_t hz;

uint32_t
hpet_counter32(void)
{
  return mmio_read32(hpet, HPET_REG_COUNTER);
}

uint64_t
hpet_hz(void)
{
  return hz;
}

bool
hpet_usable(void)
{
  return hz != 0;
}

void
hpet_disable(void)
{
  uint32_t config = mmio_read32(hpet, HPET_REG_CONFIG);

  mmio_write32(hpet, HPET_REG_CONFIG, config & ~HPET_CONFIG_ENABLE);
}

static bool
hpet_counts(void)
{
  uint32_t first = hpet_counter32();

  for (long i = 0; i < HPET_STILL_READS; i++)
    if (hpet_counter32() != first)
      return true;
  return false;
}

bool
hpet_init(uint64_t phys, uint64_t virt)
{
  if (phys == 0)
    return false;
  if (virt == 0) {
    kprintf("[hpet] at 0x%lx: no virtual page to map it; not used\n", phys);
    return false;
  }
  volatile uint8_t *page = mmio_map(
      virt, phys & ~PAGE_MASK, 1, MMIO_WRITABLE | MMIO_UNCACHED | MMIO_NO_EXEC);
  if (!page) {
    kprintf("[hpet] at 0x%lx: cannot map it; not used\n", phys);
    return false;
  }
  hpet = page + (phys & PAGE_MASK);
  uint32_t period = mmio_read32(hpet, HPET_REG_PERIOD);
  if (period == 0 || period > HPET_PERIOD_MAX) {
    kprintf("[hpet] at 0x%lx: period %u fs is impossible; not used\n", phys,
            period);
    return false;
  }
  uint32_t config = mmio_read32(hpet, HPET_REG_CONFIG);
  if (!(config & HPET_CONFIG_ENABLE))
    mmio_write32(hpet, HPET_REG_CONFIG, config | HPET_CONFIG_ENABLE);
  if (!hpet_counts()) {
    kprintf("[hpet] at 0x%lx: the main counter does not count; not used\n",
            phys);
    return false;
  }
  hz = FS_PER_SECOND / period;
  kprintf("[hpet] at 0x%lx mapped uncached at %p: period %u fs (%lu.%06lu "
          "MHz), main counter %s\n",
          phys, (void *)hpet, period, hz / 1000000, hz % 1000000,
          (config & HPET_CONFIG_ENABLE) ? "running" : "started");
  return true;
}
