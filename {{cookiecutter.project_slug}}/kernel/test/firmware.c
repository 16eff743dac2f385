// Firmware states for test builds: the kernel must boot on machines whose
// firmware leaves the CPU differently from QEMU's and Bochs's BIOSes, so a
// test build can put those states in place before the kernel looks (see
// firmware.h). Each one is what the firmware itself could have done.

#include <stdint.h>

#include "arch/cpu_regs.h"
#include "dev/hpet.h"
#include "dev/lapic_mode.h"
#include "dev/lapic_regs.h"
#include "dev/mmio.h"
#include "layout.h"
#include "lib/kprintf.h"
#include "test/firmware.h"

// A page the local APIC can move to: inside the 0xFEE00000 MiB that
// chipsets decode for it, away from its reset address.
#define APIC_MOVED_ADDRESS 0xFEE10000ull
#define PAT_ALL_WB         0x0606060606060606ull

void
firmware_pretend(void)
{
#if defined(FIRMWARE_X2APIC) || defined(FIRMWARE_APIC_MOVED)
  uint64_t base = msr_read(MSR_IA32_APIC_BASE);
#endif
#ifdef FIRMWARE_X2APIC
  uint32_t a, b, ecx, d;
  cpuid(1, &a, &b, &ecx, &d);
  if (ecx & CPUID1_ECX_X2APIC) {
    msr_write(MSR_IA32_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_EXTD);
    kprintf("[firmware] test build: local APIC switched to x2APIC mode\n");
  } else {
    kprintf("[firmware] test build: this CPU has no x2APIC mode\n");
  }
#endif
#ifdef FIRMWARE_APIC_MOVED
  msr_write(MSR_IA32_APIC_BASE,
            (base & ~APIC_BASE_ADDRESS_MASK) | APIC_MOVED_ADDRESS);
  kprintf("[firmware] test build: local APIC moved to 0x%lx\n",
          (uint64_t)APIC_MOVED_ADDRESS);
#endif
#ifdef FIRMWARE_PAT_WB
  msr_write(MSR_IA32_PAT, PAT_ALL_WB);
  kprintf("[firmware] test build: PAT set to all write-back\n");
#endif
}

void
firmware_pretend_devices(void)
{
#ifdef FIRMWARE_APIC_SOFT_OFF
  uint64_t base = msr_read(MSR_IA32_APIC_BASE);
  uint32_t svr_disabled = 0xFF; // the reset value: spurious vector 0xFF
  if (base & APIC_BASE_EXTD) {
    msr_write(X2APIC_MSR_BASE + (LAPIC_REG_SVR >> 4), svr_disabled);
  } else {
    volatile void *apic =
        mmio_map(LAYOUT_LAPIC_VIRT, base & APIC_BASE_ADDRESS_MASK, 1,
                 MMIO_WRITABLE | MMIO_UNCACHED | MMIO_NO_EXEC);
    if (apic)
      mmio_write32(apic, LAPIC_REG_SVR, svr_disabled);
  }
  kprintf("[firmware] test build: local APIC software-disabled\n");
#endif
}

void
firmware_pretend_clocks(void)
{
#ifdef FIRMWARE_HPET_STOPS
  if (hpet_usable()) {
    hpet_disable();
    kprintf("[firmware] test build: HPET main counter stopped\n");
  }
#endif
}
