// Host tests of the local APIC mode choice (kernel/dev/lapic_mode.c) for
// every state the firmware can hand over: no APIC, x2APIC mode, xAPIC mode
// on a CPU with and without x2APIC, the APIC globally disabled, and the
// invalid EXTD-without-EN state.

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dev/lapic_mode.c"

#define BASE_ADDRESS 0xFEE00000ull
#define BSP          (1ull << 8) // IA32_APIC_BASE: this is the boot CPU
#define APIC         CPUID1_EDX_APIC
#define X2APIC       CPUID1_ECX_X2APIC
#define EN           APIC_BASE_ENABLE
#define EXTD         APIC_BASE_EXTD

static void
test_no_apic_in_cpuid(void **state)
{
  (void)state;
  struct lapic_plan p = lapic_plan(X2APIC, 0, BASE_ADDRESS | BSP | EN);
  assert_int_equal(p.mode, LAPIC_NONE);
  assert_false(p.write_base);
  assert_non_null(strstr(p.why, "no local APIC"));
}

// Firmware handed over in x2APIC mode: stay there, write nothing (a write
// that clears EXTD alone would #GP).
static void
test_firmware_x2apic_mode_is_kept(void **state)
{
  (void)state;
  uint64_t base = BASE_ADDRESS | BSP | EN | EXTD;
  struct lapic_plan p = lapic_plan(X2APIC, APIC, base);
  assert_int_equal(p.mode, LAPIC_X2APIC);
  assert_false(p.write_base);
  assert_int_equal(p.base, base);
  assert_non_null(strstr(p.why, "x2APIC mode, as the firmware left it"));
}

static void
test_x2apic_mode_without_cpuid_bit_refused(void **state)
{
  (void)state;
  struct lapic_plan p = lapic_plan(0, APIC, BASE_ADDRESS | BSP | EN | EXTD);
  assert_int_equal(p.mode, LAPIC_NONE);
}

// xAPIC mode stays xAPIC mode, also where the CPU could do x2APIC.
static void
test_xapic_mode_is_kept(void **state)
{
  (void)state;
  uint64_t base = BASE_ADDRESS | BSP | EN;
  struct lapic_plan p = lapic_plan(X2APIC, APIC, base);
  assert_int_equal(p.mode, LAPIC_XAPIC);
  assert_false(p.write_base);
  assert_non_null(strstr(p.why, "x2APIC available"));
  p = lapic_plan(0, APIC, base);
  assert_int_equal(p.mode, LAPIC_XAPIC);
  assert_false(p.write_base);
  assert_null(strstr(p.why, "x2APIC available"));
}

// Globally disabled (and the invalid EXTD-only state): enabled in xAPIC
// mode, the address kept.
static void
test_disabled_apic_enabled_in_xapic_mode(void **state)
{
  (void)state;
  struct lapic_plan p = lapic_plan(X2APIC, APIC, BASE_ADDRESS | BSP);
  assert_int_equal(p.mode, LAPIC_XAPIC);
  assert_true(p.write_base);
  assert_int_equal(p.base, BASE_ADDRESS | BSP | EN);
  p = lapic_plan(X2APIC, APIC, 0xFEE10000ull | EXTD);
  assert_int_equal(p.mode, LAPIC_XAPIC);
  assert_true(p.write_base);
  assert_int_equal(p.base, 0xFEE10000ull | EN);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_no_apic_in_cpuid),
      cmocka_unit_test(test_firmware_x2apic_mode_is_kept),
      cmocka_unit_test(test_x2apic_mode_without_cpuid_bit_refused),
      cmocka_unit_test(test_xapic_mode_is_kept),
      cmocka_unit_test(test_disabled_apic_enabled_in_xapic_mode),
  };
  return cmocka_run_group_tests_name("lapic_mode", tests, NULL, NULL);
}
