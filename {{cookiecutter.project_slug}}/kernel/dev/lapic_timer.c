// The local APIC timer (SDM vol. 3A 10.5.4). Its input clock is not
// architectural, so it is measured against a reference clock (and the TSC
// with it): the HPET where ACPI lists one that counts, else the PIT. Then
// the timer runs periodically at the configured rate and its interrupt
// counts ticks. The boot checks the count over a short window.

#include <stdbool.h>
#include <stdint.h>

#include "arch/cpu_regs.h"
#include "arch/x86.h"
#include "cpu/idt.h"
#include "cpu/trap.h"
#include "cpu/tsc.h"
#include "dev/hpet.h"
#include "dev/lapic.h"
#include "dev/lapic_regs.h"
#include "dev/lapic_timer.h"
#include "dev/pit.h"
#include "lib/kprintf.h"

#define LAPIC_TIMER_PERIODIC (1u << 17) // LVT timer bits 18..17 = 01
#define LAPIC_DIVIDE_BY_16   0x3        // SDM figure 10-10: 0011b
#define LAPIC_DIVISOR        16
#define TIMER_COUNT_MAX      0xFFFFFFFFu

#define CALIBRATION_US   500 // each run: 0.5 ms of the reference clock
#define CALIBRATION_RUNS 3   // median of three (median_of_three)
// Samples in a row that see the reference clock stand still before it is
// declared stopped: each reads it (a port or uncached MMIO read, at least
// 100 ns on any PC), so that is more than a tenth of a second, while a
// working clock of 1 MHz or more moves every microsecond.
#define CALIBRATION_STILL_READS 1000000
#define US_PER_SECOND           1000000u
#define HZ_PER_KHZ              1000u
// lapic_wait_first_tick gives up after this many periods, or this long if
// that is longer: an emulator can hold a busy CPU's interrupts for a few ms.
#define FIRST_TICK_PERIODS 20
#define FIRST_TICK_MIN_US  200000

static volatile uint64_t ticks;
static volatile uint64_t last_tick_tsc; // when the latest tick arrived
static uint64_t bus_hz;
static uint32_t timer_hz;
static const char *calibration_clock = "nothing";

static bool
lapic_timer_interrupt(struct trap_frame *frame)
{
  (void)frame;
  last_tick_tsc = rdtsc();
  ticks++;
  lapic_eoi();
  return true;
}

// A reference clock: counts up at a known rate from when it is started.
struct ref_clock {
  const char *name;   // in the log: "HPET", "PIT"
  const char *prefix; // the log prefix of its lines
  uint64_t hz;
  uint32_t wrap_mask;  // the count wraps at this + 1
  bool (*start)(void); // false: it does not count
  uint32_t (*count)(void);
  void (*stop)(void);
};

static bool
hpet_start(void)
{
  return true; // hpet_init started it and saw it count
}

static void
hpet_stop(void)
{
}

// The PIT counts down; its ticks counted up.
static uint32_t
pit_count_up(void)
{
  return (uint16_t)(PIT_MAX_COUNT - pit_countdown_read());
}

static const struct ref_clock hpet_clock = {
    "HPET", "hpet", 0, 0xFFFFFFFFu, hpet_start, hpet_counter32, hpet_stop};
static const struct ref_clock pit_clock = {"PIT",
                                           "pit",
                                           PIT_FREQUENCY_HZ,
                                           PIT_MAX_COUNT,
                                           pit_countdown_start,
                                           pit_count_up,
                                           pit_countdown_stop};

// One calibration run's figures.
struct clock_rates {
  uint64_t bus_hz; // the timer's input clock
  uint64_t tsc_hz;
};

// Three clocks read back to back.
struct clock_sample {
  uint32_t ref;   // counts up
  uint32_t timer; // counts down
  uint64_t tsc;
};

static void
clock_sample(const struct ref_clock *ref, struct clock_sample *s)
{
  s->ref = ref->count();
  s->timer = lapic_read(LAPIC_REG_TIMER_CURRENT);
  s->tsc = rdtsc();
}

// The timer's input clock and the TSC's rate, measured over `ref_ticks`
// of the reference clock: the timer counts down from its maximum, masked,
// and each end of the interval is a sample of all three clocks in the same
// order, so the time the reads take cancels out. A short interval keeps
// boot fast; the PIT's 0.84 us resolution is still 0.17 % of it. False
// when the reference clock stops counting (the wait is bounded by reads,
// as the TSC's rate is not known yet).
static bool
lapic_measure_rates(const struct ref_clock *ref, uint32_t ref_ticks,
                    struct clock_rates *rates)
{
  struct clock_sample start, now;
  uint32_t elapsed = 0, seen = 0;
  long still = 0;

  lapic_write(LAPIC_REG_TIMER_INITIAL, TIMER_COUNT_MAX);
  if (!ref->start())
    return false;
  clock_sample(ref, &start);
  while (elapsed < ref_ticks && still < CALIBRATION_STILL_READS) {
    clock_sample(ref, &now);
    elapsed = (now.ref - start.ref) & ref->wrap_mask;
    still = elapsed == seen ? still + 1 : 0;
    seen = elapsed;
  }
  ref->stop();
  lapic_write(LAPIC_REG_TIMER_INITIAL, 0); // stop
  if (elapsed < ref_ticks)
    return false;

  uint64_t timer_counts = start.timer - now.timer;
  rates->bus_hz = timer_counts * LAPIC_DIVISOR * ref->hz / elapsed;
  rates->tsc_hz = (now.tsc - start.tsc) * ref->hz / elapsed;
  return true;
}

_Static_assert(CALIBRATION_RUNS == 3, "lapic_calibrate takes a median of 3");

static uint64_t
median_of_three(uint64_t a, uint64_t b, uint64_t c)
{
  uint64_t low = a < b ? a : b;
  uint64_t high = a < b ? b : a;

  return c < low ? low : c > high ? high : c;
}

// Measure CALIBRATION_RUNS times against `ref` and keep the medians: an
// emulator whose host thread is descheduled in the middle of a run gets
// that run wrong, not the result. The TSC's rate goes to tsc.c, for short
// waits. 0 when the clock does not count.
static uint64_t
lapic_calibrate(const struct ref_clock *ref)
{
  struct clock_rates r[CALIBRATION_RUNS];
  uint32_t ticks = (uint32_t)(ref->hz * CALIBRATION_US / US_PER_SECOND);

  lapic_write(LAPIC_REG_TIMER_DIVIDE, LAPIC_DIVIDE_BY_16);
  lapic_write(LAPIC_REG_LVT_TIMER,
              LAPIC_LVT_MASKED | IDT_LAPIC_TIMER); // one-shot
  for (int i = 0; i < CALIBRATION_RUNS; i++) {
    if (!lapic_measure_rates(ref, ticks, &r[i])) {
      kprintf("[%s] the %s does not count: no calibration against it\n",
              ref->prefix, ref->name);
      return 0;
    }
  }
  tsc_set_hz(median_of_three(r[0].tsc_hz, r[1].tsc_hz, r[2].tsc_hz));
  kprintf("[%s] %d runs of %u %s ticks (%lu us): LAPIC timer input %lu, "
          "%lu, %lu kHz; TSC %lu, %lu, %lu kHz\n",
          ref->prefix, CALIBRATION_RUNS, ticks, ref->name,
          ticks * (uint64_t)US_PER_SECOND / ref->hz, r[0].bus_hz / HZ_PER_KHZ,
          r[1].bus_hz / HZ_PER_KHZ, r[2].bus_hz / HZ_PER_KHZ,
          r[0].tsc_hz / HZ_PER_KHZ, r[1].tsc_hz / HZ_PER_KHZ,
          r[2].tsc_hz / HZ_PER_KHZ);
  return median_of_three(r[0].bus_hz, r[1].bus_hz, r[2].bus_hz);
}

// The HPET where ACPI listed one that works (its period is stated by the
// hardware), else the PIT; halts when neither counts.
static uint64_t
lapic_calibrate_any(void)
{
  uint64_t hz = 0;

  if (hpet_usable()) {
    struct ref_clock hpet = hpet_clock;
    hpet.hz = hpet_hz();
    hz = lapic_calibrate(&hpet);
    if (hz)
      calibration_clock = "HPET";
  }
  if (!hz && (hz = lapic_calibrate(&pit_clock)) != 0)
    calibration_clock = "PIT";
  if (!hz)
    panic("lapic_timer_start: no clock to calibrate the LAPIC timer against "
          "(%s, and the PIT does not count)",
          hpet_usable() ? "the HPET stopped" : "no usable HPET");
  return hz;
}

void
lapic_timer_start(uint32_t hz)
{
  bus_hz = lapic_calibrate_any(); // the median
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
  kprintf("[lapic] timer calibrated against the %s\n", calibration_clock);
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
