// The time-stamp counter as a clock for short waits: reading it touches no
// device, so a wait by the TSC holds up nothing else (polling the PIT's I/O
// ports in a tight loop keeps taking the lock an emulator's device models
// share). The TSC's rate is constant on CPUs with an invariant TSC (CPUID
// 80000007h EDX bit 8) and in emulators; on older CPUs power management can
// change it, which makes these waits approximate.

#include <stdint.h>

#include "arch/x86.h"
#include "cpu/tsc.h"
#include "lib/kprintf.h"

#define US_PER_MS 1000u

static uint64_t tsc_rate_hz;

void
tsc_set_hz(uint64_t hz)
{
  tsc_rate_hz = hz;
}

uint64_t
tsc_cycles(uint32_t microseconds)
{
  if (tsc_rate_hz == 0)
    panic("tsc: the TSC rate has not been measured");
  // Per millisecond first: no overflow for any wait at any real TSC rate.
  return tsc_rate_hz / US_PER_MS * microseconds / US_PER_MS;
}

void
tsc_wait_us(uint32_t microseconds)
{
  uint64_t cycles = tsc_cycles(microseconds);
  uint64_t start = rdtsc();

  while (rdtsc() - start < cycles)
    cpu_pause();
}
