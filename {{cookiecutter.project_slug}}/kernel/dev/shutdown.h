#ifndef SHUTDOWN_H
#define SHUTDOWN_H

#include <stdbool.h>

// End the boot. A normal build halts the CPU and leaves the machine (and
// its screen) as it is. A test build (make test, KERNEL_TEST=1) ends the
// emulator, with a status that says whether the run passed.
// Other CPUs are stopped first, through the function smp/ installs.
__attribute__((noreturn)) void kernel_finish(bool passed);

// Install the function kernel_finish calls to stop the other CPUs.
void shutdown_set_stop_others(void (*stop_others)(void));

#endif
