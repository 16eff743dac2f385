// Choosing how to drive the local APIC (see lapic_mode.h). SDM vol. 3A
// 10.12.5 "x2APIC State Transitions": from reset the APIC is in xAPIC mode;
// xAPIC -> x2APIC is allowed, x2APIC -> xAPIC is not (#GP) without passing
// through "disabled"; EN = 0 with EXTD = 1 is invalid.

#include <stdbool.h>
#include <stdint.h>

#include "dev/lapic_mode.h"

struct lapic_plan
lapic_plan(uint32_t cpuid1_ecx, uint32_t cpuid1_edx, uint64_t apic_base)
{
  struct lapic_plan plan = {.mode = LAPIC_XAPIC, .base = apic_base};
  bool enabled = apic_base & APIC_BASE_ENABLE;
  bool extd = apic_base & APIC_BASE_EXTD;

  if (!(cpuid1_edx & CPUID1_EDX_APIC)) {
    plan.mode = LAPIC_NONE;
    plan.why = "CPUID reports no local APIC";
  } else if (enabled && extd) {
    plan.mode = (cpuid1_ecx & CPUID1_ECX_X2APIC) ? LAPIC_X2APIC : LAPIC_NONE;
    plan.why = plan.mode == LAPIC_X2APIC
                   ? "x2APIC mode, as the firmware left it"
                   : "x2APIC mode set, but CPUID reports no x2APIC";
  } else if (!enabled) {
    // Disabled (or the invalid EXTD-only state): enable in xAPIC mode.
    plan.write_base = true;
    plan.base = (apic_base & ~APIC_BASE_EXTD) | APIC_BASE_ENABLE;
    plan.why = "xAPIC mode, enabled here (the firmware had disabled it)";
  } else if (cpuid1_ecx & CPUID1_ECX_X2APIC) {
    plan.why = "xAPIC mode, as the firmware left it (x2APIC available)";
  } else {
    plan.why = "xAPIC mode, as the firmware left it";
  }
  return plan;
}
