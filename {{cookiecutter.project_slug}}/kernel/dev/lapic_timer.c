// The local APIC timer (SDM vol. 3A 10.5.4). Its input clock is not
// architectural, so it is measured against the PIT (and the TSC with it);
// then the timer runs periodically at the configured rate and its interrupt
// counts ticks. The boot checks the count over a short window.

#include <stdbool.h>
#include <stdint.h>

#include "arch/cpu_regs.h"
#include "arch/x86.h"
#include "cpu/idt.h"
#include "cpu/trap.h"
#include "cpu/tsc.h"
#include "dev/lapic.h"
#include "dev/lapic_regs.h"
#include "dev/lapic_timer.h"
#include "dev/pit.h"
#include "lib/kprintf.h"

#define LAPIC_TIMER_PERIODIC (1u << 17) // LVT timer bits 18..17 = 01
#define LAPIC_DIVIDE_BY_16   0x3        // SDM figure 10-10: 0011b
#define LAPIC_DIVISOR        16
#define TIMER_COUNT_MAX      0xFFFFFFFFu

#define CALIBRATION_PIT_TICKS 1193 // 1 ms at PIT_FREQUENCY_HZ
#define CALIBRATION_RUNS      3    // median of three (median_of_three)
#define US_PER_SECOND         1000000u
#define HZ_PER_KHZ            1000u
// lapic_wait_first_tick gives up after this many periods, or this long if
// that is longer: an emulator can hold a busy CPU's interrupts for a few ms.
#define FIRST_TICK_PERIODS 20
#define FIRST_TICK_MIN_US  200000

static volatile uint64_t ticks;
static volatile uint64_t last_tick_tsc; // when the latest tick arrived
static uint64_t bus_hz;
static uint32_t timer_hz;

static bool
lapic_timer_interrupt(struct trap_frame *frame)
{
  (void)frame;
  last_tick_tsc = rdtsc();
  ticks++;
  lapic_eoi();
  return true;
}

// One calibration run's figures.
struct clock_rates {
  uint64_t bus_hz; // the timer's input clock
  uint64_t tsc_hz;
};

// Three clocks read back to back.
struct clock_sample {
  uint16_t pit;   // counts down
  uint32_t timer; // counts down
  uint64_t tsc;
};

static void
clock_sample(struct clock_sample *s)
{
  s->pit = pit_countdown_read();
  s->timer = lapic_read(LAPIC_REG_TIMER_CURRENT);
  s->tsc = rdtsc();
}

// The timer's input clock and the TSC's rate, measured over
// CALIBRATION_PIT_TICKS of the PIT: the timer counts down from its maximum,
// masked, and each end of the interval is a sample of all three clocks in
// the same order, so the time the reads take cancels out. A short interval
// keeps boot fast; the PIT's 0.84 us resolution is still 0.08 % of it.
static struct clock_rates
lapic_measure_rates(void)
{
  struct clock_sample start, now;

  lapic_write(LAPIC_REG_TIMER_INITIAL, TIMER_COUNT_MAX);
  pit_countdown_start();
  clock_sample(&start);
  do
    clock_sample(&now);
  while ((uint16_t)(start.pit - now.pit) < CALIBRATION_PIT_TICKS);
  pit_countdown_stop();
  lapic_write(LAPIC_REG_TIMER_INITIAL, 0); // stop

  uint64_t pit_ticks = (uint16_t)(start.pit - now.pit);
  uint64_t timer_counts = start.timer - now.timer;
  return (struct clock_rates){
      .bus_hz = timer_counts * LAPIC_DIVISOR * PIT_FREQUENCY_HZ / pit_ticks,
      .tsc_hz = (now.tsc - start.tsc) * PIT_FREQUENCY_HZ / pit_ticks,
  };
}

_Static_assert(CALIBRATION_RUNS == 3, "lapic_calibrate takes a median of 3");

static uint64_t
median_of_three(uint64_t a, uint64_t b, uint64_t c)
{
  uint64_t low = a < b ? a : b;
  uint64_t high = a < b ? b : a;

  return c < low ? low : c > high ? high : c;
}

// Measure CALIBRATION_RUNS times and keep the medians: an emulator whose
// host thread is descheduled in the middle of a run gets that run wrong,
// not the result. The TSC's rate goes to tsc.c, for short waits.
static uint64_t
lapic_calibrate(void)
{
  struct clock_rates r[CALIBRATION_RUNS];

  lapic_write(LAPIC_REG_TIMER_DIVIDE, LAPIC_DIVIDE_BY_16);
  lapic_write(LAPIC_REG_LVT_TIMER,
              LAPIC_LVT_MASKED | IDT_LAPIC_TIMER); // one-shot
  for (int i = 0; i < CALIBRATION_RUNS; i++)
    r[i] = lapic_measure_rates();
  tsc_set_hz(median_of_three(r[0].tsc_hz, r[1].tsc_hz, r[2].tsc_hz));
  kprintf("[pit] %d runs of %u PIT ticks (%lu us): LAPIC timer input %lu, "
          "%lu, %lu kHz; TSC %lu, %lu, %lu kHz\n",
          CALIBRATION_RUNS, CALIBRATION_PIT_TICKS,
          CALIBRATION_PIT_TICKS * (uint64_t)US_PER_SECOND / PIT_FREQUENCY_HZ,
          r[0].bus_hz / HZ_PER_KHZ, r[1].bus_hz / HZ_PER_KHZ,
          r[2].bus_hz / HZ_PER_KHZ, r[0].tsc_hz / HZ_PER_KHZ,
          r[1].tsc_hz / HZ_PER_KHZ, r[2].tsc_hz / HZ_PER_KHZ);
  return median_of_three(r[0].bus_hz, r[1].bus_hz, r[2].bus_hz);
}

void
lapic_timer_start(uint32_t hz)
{
  bus_hz = lapic_calibrate(); // the median
  uint64_t count = bus_hz / LAPIC_DIVISOR / hz;
  if (count == 0 || count > TIMER_COUNT_MAX)
    panic("lapic_timer_start: bus %lu Hz cannot give %u Hz", bus_hz, hz);
  timer_hz = hz;
  trap_set_handler(IDT_LAPIC_TIMER, lapic_timer_interrupt);
  lapic_write(LAPIC_REG_TIMER_DIVIDE, LAPIC_DIVIDE_BY_16);
  lapic_write(LAPIC_REG_LVT_TIMER, LAPIC_TIMER_PERIODIC | IDT_LAPIC_TIMER);
  lapic_write(LAPIC_REG_TIMER_INITIAL, (uint32_t)count);
  kprintf("[lapic] bus frequency %lu.%06lu MHz; timer periodic at %u Hz "
          "(divide by %d, initial count %lu)\n",
          bus_hz / US_PER_SECOND, bus_hz % US_PER_SECOND, hz, LAPIC_DIVISOR,
          count);
}

uint64_t
lapic_ticks(void)
{
  return ticks;
}

// Spin until a tick arrives, for at most first_tick_limit_us().
static uint32_t
first_tick_limit_us(void)
{
  uint32_t us = FIRST_TICK_PERIODS * (US_PER_SECOND / timer_hz);

  return us > FIRST_TICK_MIN_US ? us : FIRST_TICK_MIN_US;
}

static bool
lapic_wait_first_tick(void)
{
  uint64_t seen = ticks;
  uint64_t limit = tsc_cycles(first_tick_limit_us());
  uint64_t begin = rdtsc();

  while (ticks == seen)
    if (rdtsc() - begin > limit)
      return false;
  return true;
}

// The tick window starts half a period after a tick, so that no tick is
// near either of its ends. The CPU halts between ticks (busy-polling a
// clock makes QEMU's TCG deliver the timer's interrupts late, losing or
// delaying ticks), and every check of the tick count is made with
// interrupts off, so that a tick cannot land between a check and the halt
// after it. The first tick is awaited without halting, so a timer that
// raises no interrupt cannot hang the boot; the window is anchored on the
// tick after it, which a halted CPU takes on time.
uint64_t
lapic_ticks_during(uint32_t microseconds)
{
  if (!(rflags_read() & RFLAGS_IF))
    panic("lapic_ticks_during: interrupts are off");
  if (!lapic_wait_first_tick()) {
    kprintf("[lapic] no timer interrupt within %u us: the timer does not "
            "run\n",
            first_tick_limit_us());
    return 0;
  }
  interrupts_disable();
  uint64_t seen = ticks;
  while (ticks == seen)
    cpu_wait_for_interrupt();
  uint64_t start = ticks;
  uint64_t end = last_tick_tsc + tsc_cycles(US_PER_SECOND / timer_hz / 2) +
                 tsc_cycles(microseconds);
  while (last_tick_tsc < end)
    cpu_wait_for_interrupt();
  uint64_t counted = ticks - start - 1; // the last one came after the end
  interrupts_enable();

  uint64_t expected =
      (timer_hz * (uint64_t)microseconds + US_PER_SECOND / 2) / US_PER_SECOND;
  kprintf("[lapic] %lu ticks in %u us timed by the TSC (%lu expected at %u "
          "Hz)\n",
          counted, microseconds, expected, timer_hz);
  return counted;
}

uint64_t
lapic_bus_hz(void)
{
  return bus_hz;
}

void
lapic_timer_start_ap(uint8_t vector)
{
  if (timer_hz == 0)
    panic("lapic_timer_start_ap: the boot CPU has not calibrated the timer");
  lapic_write(LAPIC_REG_TIMER_DIVIDE, LAPIC_DIVIDE_BY_16);
  lapic_write(LAPIC_REG_LVT_TIMER, LAPIC_TIMER_PERIODIC | vector);
  lapic_write(LAPIC_REG_TIMER_INITIAL,
              (uint32_t)(bus_hz / LAPIC_DIVISOR / timer_hz));
}
