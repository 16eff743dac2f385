// Host tests of the SMP start-up plan (kernel/smp/plan.c): which MADT CPUs
// the kernel starts, which it leaves halted and which it ignores.

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "smp/plan.c"

static void
expect_verdicts(const uint32_t *ids, unsigned listed, uint32_t boot_id,
                unsigned max_cpus, const enum smp_verdict *want)
{
  struct smp_plan plan;

  smp_plan_make(ids, listed, boot_id, max_cpus, &plan);
  for (unsigned i = 0; i < listed && i < SMP_PLAN_MAX; i++)
    assert_int_equal(plan.verdict[i], want[i]);
}

// The usual MADT: the boot CPU first, every CPU fits.
static void
test_all_start(void **state)
{
  (void)state;
  const uint32_t ids[] = {0, 1, 2, 3};
  const enum smp_verdict want[] = {SMP_BOOT_CPU, SMP_START, SMP_START,
                                   SMP_START};
  struct smp_plan plan;

  expect_verdicts(ids, 4, 0, 16, want);
  smp_plan_make(ids, 4, 0, 16, &plan);
  assert_int_equal(plan.starts, 3);
  assert_int_equal(plan.over_limit, 0);
}

// The boot CPU need not be listed first, nor have id 0.
static void
test_boot_cpu_anywhere(void **state)
{
  (void)state;
  const uint32_t ids[] = {4, 6, 2, 8};
  const enum smp_verdict want[] = {SMP_START, SMP_START, SMP_BOOT_CPU,
                                   SMP_START};

  expect_verdicts(ids, 4, 2, 4, want);
}

// The limit counts the boot CPU, even when it comes late in the list.
static void
test_limit_counts_the_boot_cpu(void **state)
{
  (void)state;
  const uint32_t ids[] = {1, 2, 3, 0};
  const enum smp_verdict want[] = {SMP_START, SMP_OVER_LIMIT, SMP_OVER_LIMIT,
                                   SMP_BOOT_CPU};
  struct smp_plan plan;

  expect_verdicts(ids, 4, 0, 2, want);
  smp_plan_make(ids, 4, 0, 2, &plan);
  assert_int_equal(plan.starts, 1);
  assert_int_equal(plan.over_limit, 2);
}

// One CPU allowed: nothing starts.
static void
test_limit_of_one(void **state)
{
  (void)state;
  const uint32_t ids[] = {0, 1, 2};
  const enum smp_verdict want[] = {SMP_BOOT_CPU, SMP_OVER_LIMIT,
                                   SMP_OVER_LIMIT};

  expect_verdicts(ids, 3, 0, 1, want);
}

// A repeated id (a firmware bug) is started once, the boot CPU's never.
static void
test_duplicates_ignored(void **state)
{
  (void)state;
  const uint32_t ids[] = {0, 1, 1, 0, 2};
  const enum smp_verdict want[] = {SMP_BOOT_CPU, SMP_START, SMP_DUPLICATE,
                                   SMP_DUPLICATE, SMP_START};
  struct smp_plan plan;

  expect_verdicts(ids, 5, 0, 8, want);
  smp_plan_make(ids, 5, 0, 8, &plan);
  assert_int_equal(plan.starts, 2);
}

// No MADT list at all, or the boot CPU missing from it: nothing breaks.
static void
test_empty_and_boot_cpu_missing(void **state)
{
  (void)state;
  const uint32_t ids[] = {5, 7};
  const enum smp_verdict want[] = {SMP_START, SMP_OVER_LIMIT};
  struct smp_plan plan;

  smp_plan_make(ids, 0, 0, 4, &plan);
  assert_int_equal(plan.starts, 0);
  expect_verdicts(ids, 2, 0, 2, want);
}

// More entries than the plan holds: only SMP_PLAN_MAX are judged.
static void
test_long_list_is_cut(void **state)
{
  (void)state;
  uint32_t ids[SMP_PLAN_MAX + 8];
  struct smp_plan plan;

  for (unsigned i = 0; i < SMP_PLAN_MAX + 8; i++)
    ids[i] = i;
  smp_plan_make(ids, SMP_PLAN_MAX + 8, 0, SMP_PLAN_MAX + 8, &plan);
  assert_int_equal(plan.starts, SMP_PLAN_MAX - 1);
  assert_string_equal(smp_verdict_name(SMP_OVER_LIMIT), "beyond smp_max_cpus");
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_all_start),
      cmocka_unit_test(test_boot_cpu_anywhere),
      cmocka_unit_test(test_limit_counts_the_boot_cpu),
      cmocka_unit_test(test_limit_of_one),
      cmocka_unit_test(test_duplicates_ignored),
      cmocka_unit_test(test_empty_and_boot_cpu_missing),
      cmocka_unit_test(test_long_list_is_cut),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
