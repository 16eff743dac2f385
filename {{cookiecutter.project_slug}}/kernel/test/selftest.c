// The self-test registry: one line per test, run in order by test builds.
// Each subsystem keeps its tests in its own *_selftest.c file.

#include <stdbool.h>

#include "lib/kprintf.h"
#include "test/mm_selftest.h"
#include "test/platform_selftest.h"
#include "test/selftest.h"
#include "test/smp_selftest.h"

static bool
selftest_console(void)
{
  // The boot log itself is the console's test; this one checks kprintf's
  // return value, which other code relies on for column alignment.
  return kprintf("[test] console: %s %5d|%-3x|%04u\n", "ok", -42, 0xa, 7) == 34;
}

static const struct selftest selftests[] = {
    {selftest_console, "console"},
    {selftest_gdt_tss, "gdt: TSS loaded"},
    {selftest_idt_breakpoint, "idt: int3 round trip"},
    {selftest_idt_invalid_opcode, "idt: ud2 resumes"},
    {selftest_lapic_timer_ticks, "lapic: timer ticks"},
    {selftest_lapic_registers, "lapic: this CPU's"},
    {selftest_lapic_error_lvt, "lapic: error LVT armed"},
    {selftest_mmio_uncached, "mmio: PCD|PWT is UC"},
    {selftest_acpi_lapic_address, "acpi: LAPIC address"},
    {selftest_pmm, "pmm"},
    {selftest_paging, "paging"},
    {selftest_own_page_tables, "paging: own tables"},
    {selftest_guard_pages, "paging: guard pages"},
    {selftest_automap, "automap"},
    {selftest_fba, "fba"},
    {selftest_smp_online, "smp: every CPU online"},
    {selftest_smp_timers, "smp: every timer ticks"},
    {selftest_smp_lints, "smp: LINT0/1 wired"},
    {selftest_smp_alloc_stress, "smp: concurrent pmm+fba"},
    {selftest_smp_shootdown, "smp: TLB shootdown"},
};

bool
selftest_run_all(void)
{
  int passed = 0, failed = 0;

  for (unsigned i = 0; i < sizeof(selftests) / sizeof(selftests[0]); i++) {
    bool ok = selftests[i].run();
    kprintf("[test] %-24s %s\n", selftests[i].name, ok ? "ok" : "FAILED");
    if (ok)
      passed++;
    else
      failed++;
  }
  kprintf("selftest: %d passed, %d failed\n", passed, failed);
  return failed == 0;
}
