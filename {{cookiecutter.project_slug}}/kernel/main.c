// kmain: the kernel's boot sequence, one step per line. Each step logs to
// the console with a [subsystem] prefix; the final "ready:" line carries
// key=value figures that tests and scripts parse.

#include <stdint.h>

#include "acpi/boot.h"
#include "arch/cpu_regs.h"
#include "arch/x86.h"
#include "bootinfo.h"
#include "bootlog.h"
#include "cpu/gdt.h"
#include "cpu/idt.h"
#include "cpu/tsc.h"
#include "dev/console.h"
#include "dev/hpet.h"
#include "dev/lapic.h"
#include "dev/lapic_timer.h"
#include "dev/mmio.h"
#include "dev/pic.h"
#include "dev/shutdown.h"
#include "layout.h"
#include "lib/kprintf.h"
#include "mm/fba.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "smp/percpu.h"
#include "smp/smp.h"
#include "test/fault_inject.h"
#include "test/firmware.h"
#include "test/selftest.h"

__attribute__((noreturn)) void kmain(struct boot_info *info);

// The ready line's tick count is measured over this many timer periods,
// timed by the TSC (whose rate was measured with the timer's): enough that
// a dead timer, or one at twice its rate, shows; few enough not to slow the
// boot (5 ms at the default 1000 Hz, spent while the other CPUs wait out
// the 10 ms after INIT). The self-tests measure the rate closely.
#define TICK_CHECK_PERIODS 5
#define US_PER_SECOND      1000000u

void
kmain(struct boot_info *info)
{
  uint64_t tsc_kernel = rdtsc();

  percpu_boot_early(); // GS: this CPU's index, for locks
  // COM1, and VGA text unless the loader says the firmware was UEFI (read
  // before bootinfo_check, so that its panics have a console).
  console_init(info->firmware != BOOTINFO_FIRMWARE_UEFI);
  kprintf("%s: kernel started\n", LAYOUT_PROJECT_NAME);
#if defined(KERNEL_TEST)
  firmware_pretend(); // test builds: a hand-over state of real firmware
#endif
  bootinfo_check(info); // the loader's hand-off is sane
  bootinfo_print(info, tsc_kernel);
  bootinfo_print_e820(info); // the firmware memory map
  gdt_init();                // GDT with a TSS: IST stacks for #DF and NMI
  idt_init();                // a gate for every vector; exceptions report

  pmm_early_init(info); // the sanitised E820 map: RAM for the page tables
  paging_init();        // the kernel's own page tables, recursive PML4 slot
  pmm_init();           // physical pages, from the sanitised E820 map
  fba_init();           // fixed-block allocator over its area

  mmio_init();     // PAT: device mappings uncached whatever firmware left
  acpi_init(info); // RSDP, XSDT or RSDT, every table checked, MADT
  pic_disable();   // 8259s remapped off the exceptions and masked
#if defined(KERNEL_TEST)
  firmware_pretend_devices(); // test builds: firmware states of the APIC
#endif
  lapic_init(acpi_lapic_address()); // x2APIC or uncached xAPIC; vectors
  acpi_wire_lints(true);            // external NMIs: LINT1, or the MADT's pin
  smp_send_init(); // INIT to every other CPU in the MADT: 10 ms from now...
  hpet_init(acpi_hpet_address(), acpi_hpet_page()); // if ACPI lists one
#if defined(KERNEL_TEST)
  firmware_pretend_clocks(); // test builds: an HPET that stops
#endif
  lapic_timer_start(LAYOUT_LAPIC_TIMER_HZ); // calibrated: HPET, else PIT
  interrupts_enable();
  uint64_t ticks = lapic_ticks_during(TICK_CHECK_PERIODS * US_PER_SECOND /
                                      LAYOUT_LAPIC_TIMER_HZ); // it runs
  smp_start(); // ...STARTUP, STARTUP, and wait until they run
  kprintf("[boot] start-up took %lu us from kmain, by the TSC\n",
          (rdtsc() - tsc_kernel) * 1000 / tsc_cycles(1000));

  kprintf("ready: mem_total_kib=%lu mem_free_kib=%lu cpus=%u cpus_online=%u "
          "timer_hz=%u ticks=%lu\n",
          pmm_ram_bytes() / 1024, pmm_free_bytes() / 1024, acpi_cpu_count(),
          smp_cpus_online(), (unsigned)LAYOUT_LAPIC_TIMER_HZ, ticks);
#if defined(KERNEL_FAULT)
  fault_inject_run(KERNEL_FAULT); // make test-image FAULT=name
#elif defined(KERNEL_TEST)
  kernel_finish(selftest_run_all());
#else
  kernel_finish(true);
#endif
}
