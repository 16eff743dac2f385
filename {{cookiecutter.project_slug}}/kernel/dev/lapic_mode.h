// How to drive this CPU's local APIC, decided from CPUID and the
// IA32_APIC_BASE MSR as the firmware left them (lapic_mode.c). Pure logic,
// so host tests can feed it every hand-over state.
#ifndef LAPIC_MODE_H
#define LAPIC_MODE_H

#include <stdbool.h>
#include <stdint.h>

#define CPUID1_EDX_APIC   (1u << 9)  // the CPU has a local APIC
#define CPUID1_ECX_X2APIC (1u << 21) // it can run in x2APIC mode

// IA32_APIC_BASE, SDM vol. 3A 10.4.4 (figure 10-5) and 10.12.1.
#define APIC_BASE_EXTD         (1ull << 10) // x2APIC mode (with ENABLE)
#define APIC_BASE_ENABLE       (1ull << 11) // global enable
#define APIC_BASE_ADDRESS_MASK 0x000FFFFFFFFFF000ull

enum lapic_mode {
  LAPIC_NONE,   // no local APIC: the kernel cannot run its timer
  LAPIC_XAPIC,  // registers in a 4 KiB MMIO page
  LAPIC_X2APIC, // registers are MSRs 0x800 + offset / 16; no MMIO page
};

struct lapic_plan {
  enum lapic_mode mode;
  bool write_base; // write `base` to IA32_APIC_BASE first
  uint64_t base;   // the MSR's value to write (when write_base)
  const char *why; // for the log: how the mode was chosen
};

// The mode follows the firmware: x2APIC if it handed over in x2APIC mode
// (a switch back needs the APIC disabled, and firmware with APIC IDs above
// 254 must use x2APIC), else xAPIC, even where the CPU could do x2APIC (as
// Linux does on machines without interrupt remapping: firmware SMM code
// may expect xAPIC). A globally disabled APIC is enabled in xAPIC mode.
struct lapic_plan lapic_plan(uint32_t cpuid1_ecx, uint32_t cpuid1_edx,
                             uint64_t apic_base);

#endif
