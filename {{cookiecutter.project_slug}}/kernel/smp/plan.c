// The start-up plan (see plan.h). Quadratic in the number of CPUs for the
// duplicate check, which is at most 64.

#include <stdbool.h>
#include <stdint.h>

#include "smp/plan.h"

static bool
seen_before(const uint32_t *ids, unsigned i)
{
  for (unsigned j = 0; j < i; j++)
    if (ids[j] == ids[i])
      return true;
  return false;
}

void
smp_plan_make(const uint32_t *ids, unsigned listed, uint32_t boot_id,
              unsigned max_cpus, struct smp_plan *plan)
{
  unsigned running = 1; // the boot CPU runs already

  plan->starts = plan->over_limit = 0;
  if (listed > SMP_PLAN_MAX)
    listed = SMP_PLAN_MAX;
  for (unsigned i = 0; i < listed; i++) {
    enum smp_verdict v;
    if (seen_before(ids, i))
      v = SMP_DUPLICATE;
    else if (ids[i] == boot_id)
      v = SMP_BOOT_CPU;
    else if (running < max_cpus)
      v = SMP_START;
    else
      v = SMP_OVER_LIMIT;
    if (v == SMP_START) {
      running++;
      plan->starts++;
    }
    if (v == SMP_OVER_LIMIT)
      plan->over_limit++;
    plan->verdict[i] = v;
  }
}

const char *
smp_verdict_name(enum smp_verdict verdict)
{
  switch (verdict) {
  case SMP_BOOT_CPU:
    return "boot CPU";
  case SMP_START:
    return "start";
  case SMP_OVER_LIMIT:
    return "beyond smp_max_cpus";
  case SMP_DUPLICATE:
    return "duplicate APIC id";
  }
  return "unknown";
}
