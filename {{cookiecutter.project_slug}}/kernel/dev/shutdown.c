// Ending a run, for people and for tests.
//
// QEMU: the isa-debug-exit device (`-device isa-debug-exit,iobase=0xf4`)
// makes QEMU exit with status (V << 1) | 1 when the guest writes V to its
// port: 33 for a pass, 35 for a failure here.
// Bochs: writing the bytes of "Shutdown" to port 0x8900 ends the simulation;
// its exit status carries nothing, so the test reads the serial log.
// On other machines both writes do nothing and the CPU halts.

#include <stdbool.h>

#include "arch/x86.h"
#include "dev/serial.h"
#include "dev/shutdown.h"
#include "lib/kprintf.h"

#define QEMU_DEBUG_EXIT_PORT 0xF4
#define QEMU_EXIT_PASS       0x10
#define QEMU_EXIT_FAIL       0x11
#define BOCHS_SHUTDOWN_PORT  0x8900

static void (*stop_others)(void);

void
shutdown_set_stop_others(void (*stop)(void))
{
  stop_others = stop;
}

#ifdef KERNEL_TEST
static void
emulator_exit(bool passed)
{
  const char *bochs_command = "Shutdown";

  serial_drain();
  outb(QEMU_DEBUG_EXIT_PORT, passed ? QEMU_EXIT_PASS : QEMU_EXIT_FAIL);
  for (const char *c = bochs_command; *c; c++)
    outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*c);
}
#endif

void
kernel_finish(bool passed)
{
  if (stop_others)
    stop_others();
#ifdef KERNEL_TEST
  kprintf("test: %s\n", passed ? "PASS" : "FAIL");
  emulator_exit(passed);
#else
  (void)passed;
  kprintf("kernel: halting (the machine stays up; in QEMU press Ctrl-A X to "
          "quit)\n");
#endif
  serial_drain();
  cpu_halt_forever();
}
