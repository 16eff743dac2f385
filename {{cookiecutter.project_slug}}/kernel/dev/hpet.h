// The HPET's main counter, a reference clock for calibrating the local
// APIC timer (hpet.c).
#ifndef HPET_H
#define HPET_H

#include <stdbool.h>
#include <stdint.h>

// Map the HPET's registers (physical `phys`, from the ACPI HPET table) at
// the free virtual page `virt` (uncached), read its period, start its main
// counter and check that it counts. Returns false, after a log line, when
// there is none (phys 0) or it is unusable; the HPET is then not used.
bool hpet_init(uint64_t phys, uint64_t virt);

// After hpet_init returned true: the counter's rate, and the low 32 bits
// of its value (wrapping; differences over short intervals are exact).
uint64_t hpet_hz(void);
uint32_t hpet_counter32(void);
bool hpet_usable(void);

// Clear the enable bit: the main counter stops where it is. Firmware or a
// faulty chipset can do this behind the kernel's back; test builds do it
// to check that calibration notices (test/firmware.c).
void hpet_disable(void);

#endif
