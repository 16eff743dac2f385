// Which CPUs the kernel starts, decided from the MADT's list of enabled
// CPUs alone (plan.c): pure logic, so the host tests check it
// (tests/host/smp/test_plan.c).
#ifndef PLAN_H
#define PLAN_H

#include <stdint.h>

#define SMP_PLAN_MAX 64 // entries judged: the MADT parser keeps 64

enum smp_verdict {
  SMP_BOOT_CPU,   // the CPU running this code: index 0
  SMP_START,      // an AP to start: the next index
  SMP_OVER_LIMIT, // beyond the limit: left halted
  SMP_DUPLICATE,  // an APIC id listed before: ignored
};

struct smp_plan {
  unsigned starts;     // entries with SMP_START
  unsigned over_limit; // entries with SMP_OVER_LIMIT
  enum smp_verdict verdict[SMP_PLAN_MAX];
};

// Judge each of the first `listed` (at most SMP_PLAN_MAX) ids: the boot
// CPU's, wherever it appears, is SMP_BOOT_CPU; the others in order are
// SMP_START until `max_cpus` CPUs (the boot CPU counted, listed or not)
// would run, then SMP_OVER_LIMIT; a repeated id is SMP_DUPLICATE.
void smp_plan_make(const uint32_t *ids, unsigned listed, uint32_t boot_id,
                   unsigned max_cpus, struct smp_plan *plan);

const char *smp_verdict_name(enum smp_verdict verdict);

#endif
