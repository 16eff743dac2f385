// kmain: the kernel's boot sequence, one step per line. Each step logs to
// the console with a [subsystem] prefix; the final "ready:" line carries
// key=value figures that tests and scripts parse.

#include <stdint.h>

#include "bootinfo.h"
#include "bootlog.h"
#include "console.h"
#include "kprintf.h"
#include "layout.h"
#include "selftest.h"
#include "shutdown.h"
#include "x86.h"

__attribute__((noreturn)) void kmain(struct boot_info *info);

void
kmain(struct boot_info *info)
{
  uint64_t tsc_kernel = rdtsc();

  console_init();                 // COM1 and VGA text
  kprintf("%s: kernel started\n", LAYOUT_PROJECT_NAME);
  bootinfo_check(info);           // the loader's hand-off is sane
  bootinfo_print(info, tsc_kernel);
  bootinfo_print_e820(info);      // the BIOS memory map

  uint64_t usable = bootinfo_usable_bytes(info);
  kprintf("[mem] usable RAM: %lu KiB (%lu MiB)\n", usable / 1024,
          usable / (1024 * 1024));

  kprintf("ready: mem_total_kib=%lu\n", usable / 1024);
#ifdef KERNEL_TEST
  kernel_finish(selftest_run_all());
#else
  kernel_finish(true);
#endif
}
