// Self-tests under SMP: every listed CPU came online, every CPU's timer
// ticks, every CPU's LINT pins are set as acpi_wire_lints says, every CPU
// allocating and freeing PMM pages and FBA blocks at once never gets a page or
// block another CPU holds, and a page unmapped on one CPU faults on another
// (TLB shootdown).

#include <stdbool.h>
#include <stdint.h>

#include "acpi/boot.h"
#include "arch/cpu_local.h"
#include "arch/x86.h"
#include "cpu/trap.h"
#include "cpu/tsc.h"
#include "dev/lapic.h"
#include "dev/lapic_regs.h"
#include "dev/lapic_timer.h"
#include "layout.h"
#include "lib/kprintf.h"
#include "mm/fba.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "smp/percpu.h"
#include "smp/shootdown.h"
#include "smp/smp.h"
#include "test/smp_selftest.h"

#define TIMER_TEST_US      20000
#define TIMER_TEST_PERIODS 5 // at slow rates the window grows to this
#define US_PER_SECOND      1000000ull
#define STRESS_ROUNDS      8
#define STRESS_BATCH       8
#define CLAIMED_PHYS_LIMIT 0x100000000ull // pages below 4 GiB are checked
#define PAGE               4096ull
#define BITS_PER_BYTE      8
#define VECTOR_PAGE_FAULT  14
#define PROBE_MAGIC        0x5350424f4f544d53ull
#define CLAIMS_OFFSET      0x40000000ull // 1 GiB into the scratch region

bool
selftest_smp_online(void)
{
  unsigned listed = acpi_cpu_count();
  unsigned want = listed < LAYOUT_SMP_MAX_CPUS ? listed : LAYOUT_SMP_MAX_CPUS;

  kprintf("[test] smp: %u CPUs online, %u listed, smp_max_cpus %u\n",
          smp_cpus_online(), listed, (unsigned)LAYOUT_SMP_MAX_CPUS);
  return smp_cpus_online() == want;
}

// The APs' ticks are counted over the boot CPU's halted wait, whose length
// the TSC gives (lapic_ticks_during waits a little longer than asked, to
// line up with the boot CPU's ticks).
bool
selftest_smp_timers(void)
{
  uint64_t before[LAYOUT_SMP_MAX_CPUS];
  uint32_t window = TIMER_TEST_PERIODS * US_PER_SECOND / LAYOUT_LAPIC_TIMER_HZ;
  bool ok = true;

  if (window < TIMER_TEST_US)
    window = TIMER_TEST_US;
  for (unsigned i = 1; i < smp_cpu_slots(); i++)
    before[i] = __atomic_load_n(&percpu(i)->ticks, __ATOMIC_RELAXED);
  uint64_t start = rdtsc();
  uint64_t bsp = lapic_ticks_during(window); // halts meanwhile
  uint64_t elapsed_us = (rdtsc() - start) * 1000 / tsc_cycles(1000);
  uint64_t expected = LAYOUT_LAPIC_TIMER_HZ * elapsed_us / US_PER_SECOND;
  for (unsigned i = 1; i < smp_cpu_slots(); i++) {
    uint64_t ticks = percpu(i)->ticks - before[i];
    kprintf("[test] smp: cpu %u: %lu ticks in %lu us (%lu expected)\n", i,
            ticks, elapsed_us, expected);
    // Emulators drop ticks under load; Bochs runs its CPUs' clocks a little
    // apart. A dead or far too fast timer fails.
    if (ticks == 0 || ticks > 2 * expected + 2)
      ok = false;
  }
  return ok && bsp > 0;
}

// ---- LINT pins --------------------------------------------------------

static uint32_t lint_lvts[LAYOUT_SMP_MAX_CPUS][2]; // each CPU's LINT0, LINT1
static bool lints_ok[LAYOUT_SMP_MAX_CPUS];

// Does LVT entry `lvt` of pin `lint` say what acpi_wire_lints sets?
static bool
lint_as_wired(unsigned lint, uint32_t lvt)
{
  enum lapic_lint want = acpi_wire_lint(lint, cpu_index() == 0);

  if (want == LAPIC_LINT_MASKED)
    return (lvt & LAPIC_LVT_MASKED) != 0;
  uint32_t polarity =
      want == LAPIC_LINT_NMI_ACTIVE_LOW ? LAPIC_LVT_ACTIVE_LOW : 0;
  return !(lvt & LAPIC_LVT_MASKED) &&
         (lvt & LAPIC_LVT_DELIVERY_MASK) == LAPIC_LVT_NMI &&
         (lvt & LAPIC_LVT_ACTIVE_LOW) == polarity;
}

static void
check_lints(void)
{
  unsigned me = cpu_index();

  lint_lvts[me][0] = lapic_lint(0);
  lint_lvts[me][1] = lapic_lint(1);
  lints_ok[me] =
      lint_as_wired(0, lint_lvts[me][0]) && lint_as_wired(1, lint_lvts[me][1]);
}

// Each CPU checks its own LINT0 and LINT1: the boot CPU takes external
// NMIs on the pin the MADT names (QEMU lists LINT1 of every processor;
// Bochs lists none, so LINT1 by default), the APs mask both.
bool
selftest_smp_lints(void)
{
  bool ok = true;

  check_lints();
  for (unsigned i = 1; i < smp_cpu_slots(); i++) {
    if (!__atomic_load_n(&percpu(i)->online, __ATOMIC_ACQUIRE))
      continue; // smp: every CPU online reports it
    smp_run_on(i, check_lints);
    smp_wait_idle(i);
  }
  for (unsigned i = 0; i < smp_cpu_slots(); i++) {
    if (i > 0 && !__atomic_load_n(&percpu(i)->online, __ATOMIC_ACQUIRE))
      continue;
    kprintf("[test] smp: cpu %u: LVT LINT0 0x%x, LINT1 0x%x: %s\n", i,
            lint_lvts[i][0], lint_lvts[i][1],
            lints_ok[i] ? "as wired" : "NOT as wired");
    ok &= lints_ok[i];
  }
  return ok;
}

// ---- concurrent allocation --------------------------------------------

static uint8_t *page_claims, *block_claims; // one bit per page / block
static uint64_t claim_bytes;
static uint32_t stress_errors;
static uint64_t untracked;

// Set the bit; false if it was set already (someone else holds it).
static bool
claim(uint8_t *map, uint64_t bit)
{
  uint8_t mask = 1u << (bit % BITS_PER_BYTE);
  return !(
      __atomic_fetch_or(&map[bit / BITS_PER_BYTE], mask, __ATOMIC_ACQ_REL) &
      mask);
}

static void
unclaim(uint8_t *map, uint64_t bit)
{
  uint8_t mask = 1u << (bit % BITS_PER_BYTE);
  __atomic_fetch_and(&map[bit / BITS_PER_BYTE], (uint8_t)~mask,
                     __ATOMIC_ACQ_REL);
}

static void
stress_error(const char *what, uint64_t address)
{
  __atomic_fetch_add(&stress_errors, 1, __ATOMIC_RELAXED);
  kprintf("[test] smp: cpu %u: %s 0x%lx\n", cpu_index(), what, address);
}

static void
stress_pages(uint64_t *pages)
{
  for (unsigned i = 0; i < STRESS_BATCH; i++) {
    pages[i] = pmm_alloc_page();
    if (pages[i] >= CLAIMED_PHYS_LIMIT)
      __atomic_fetch_add(&untracked, 1, __ATOMIC_RELAXED);
    else if (pages[i] && !claim(page_claims, pages[i] / PAGE))
      stress_error("page handed out twice:", pages[i]);
  }
}

static void
stress_blocks(uint64_t **blocks, uint64_t tag)
{
  for (unsigned i = 0; i < STRESS_BATCH; i++) {
    blocks[i] = fba_alloc_block();
    if (!blocks[i])
      continue;
    if (!claim(block_claims, ((uint64_t)blocks[i] - LAYOUT_FBA_BASE) / PAGE))
      stress_error("block handed out twice:", (uint64_t)blocks[i]);
    blocks[i][0] = tag + i;
  }
}

// Each round holds a batch of pages and of blocks at once, then gives them
// back, clearing each claim before the free (after it, another CPU may get
// the same page and claim it).
static void
stress(void)
{
  uint64_t pages[STRESS_BATCH], *blocks[STRESS_BATCH];
  uint64_t tag = (uint64_t)cpu_index() << 32;

  for (unsigned round = 0; round < STRESS_ROUNDS; round++) {
    stress_pages(pages);
    stress_blocks(blocks, tag + round * STRESS_BATCH);
    for (unsigned i = 0; i < STRESS_BATCH; i++) {
      if (!blocks[i])
        continue;
      if (blocks[i][0] != tag + round * STRESS_BATCH + i)
        stress_error("block written by another CPU:", (uint64_t)blocks[i]);
      unclaim(block_claims, ((uint64_t)blocks[i] - LAYOUT_FBA_BASE) / PAGE);
      fba_free_block(blocks[i]);
    }
    for (unsigned i = 0; i < STRESS_BATCH; i++) {
      if (pages[i] == 0 || pages[i] >= CLAIMED_PHYS_LIMIT) {
        if (pages[i])
          pmm_free_page(pages[i]);
        continue;
      }
      unclaim(page_claims, pages[i] / PAGE);
      pmm_free_page(pages[i]);
    }
  }
}

// The claim bitmaps: PMM pages mapped in the self-test scratch region
// (not FBA blocks, which a small FBA area would not have to spare), before
// the stress starts.
static bool
claims_alloc(void)
{
  uint64_t page_bytes = CLAIMED_PHYS_LIMIT / PAGE / BITS_PER_BYTE;
  uint64_t block_bytes = LAYOUT_FBA_SIZE / PAGE / BITS_PER_BYTE;
  uint64_t base = paging_scratch_region() + CLAIMS_OFFSET;

  claim_bytes = (page_bytes + block_bytes + PAGE - 1) / PAGE * PAGE;
  for (uint64_t off = 0; off < claim_bytes; off += PAGE) {
    uint64_t phys = pmm_alloc_page();
    if (phys == 0 || paging_map(base + off, phys, PTE_WRITABLE) != 0)
      return false;
  }
  page_claims = (uint8_t *)base;
  block_claims = page_claims + page_bytes;
  for (uint64_t i = 0; i < claim_bytes; i++)
    page_claims[i] = 0;
  return true;
}

static void
claims_free(void)
{
  for (uint64_t off = 0; off < claim_bytes; off += PAGE)
    pmm_free_page(paging_unmap((uint64_t)page_claims + off));
}

bool
selftest_smp_alloc_stress(void)
{
  if (!claims_alloc())
    return false;
  uint64_t free_before = pmm_free_bytes();
  size_t used_before = fba_used_blocks();
  stress_errors = 0;
  untracked = 0;
  for (unsigned i = 1; i < smp_cpu_slots(); i++)
    if (percpu(i)->online)
      smp_run_on(i, stress);
  stress();
  for (unsigned i = 1; i < smp_cpu_slots(); i++)
    if (percpu(i)->online)
      smp_wait_idle(i);
  bool balanced =
      pmm_free_bytes() == free_before && fba_used_blocks() == used_before;
  kprintf("[test] smp: %u CPUs x %u rounds x %u pages and blocks: %u "
          "double hand-outs, %lu pages above 4 GiB unchecked, %s\n",
          smp_cpus_online(), STRESS_ROUNDS, STRESS_BATCH, stress_errors,
          untracked, balanced ? "all given back" : "LEAKED");
  claims_free();
  return stress_errors == 0 && balanced;
}

// ---- TLB shootdown -----------------------------------------------------

extern const char probe_insn[], probe_resume[];
static uint64_t *probe_block;
static int probe_step; // 0 start, 1 read once, 2 unmapped, 3 probed
static bool probe_first_ok, probe_faulted;

// Read *p; a page fault at the read resumes after it (probe_fault).
__attribute__((noinline)) static uint64_t
probe_read(volatile uint64_t *p)
{
  uint64_t value = 0;
  __asm__ volatile(".globl probe_insn, probe_resume\n"
                   "probe_insn: movq (%1), %0\n"
                   "probe_resume:"
                   : "+r"(value)
                   : "r"(p)
                   : "memory");
  return value;
}

static bool
probe_fault(struct trap_frame *frame)
{
  if (frame->rip != (uint64_t)probe_insn)
    return false;
  probe_faulted = true;
  frame->rip = (uint64_t)probe_resume;
  return true;
}

static void
wait_step(int step)
{
  while (__atomic_load_n(&probe_step, __ATOMIC_ACQUIRE) != step)
    __asm__ volatile("pause");
}

// On the other CPU: read the block (its TLB now maps it), wait for the
// unmap, read again.
static void
probe_on_other_cpu(void)
{
  probe_first_ok = probe_read(probe_block) == PROBE_MAGIC;
  __atomic_store_n(&probe_step, 1, __ATOMIC_RELEASE);
  wait_step(2);
  probe_read(probe_block);
  __atomic_store_n(&probe_step, 3, __ATOMIC_RELEASE);
}

bool
selftest_smp_shootdown(void)
{
  if (smp_cpus_online() < 2 || !percpu(1)->online) {
    kprintf("[test] smp: one CPU, no shootdown to test\n");
    return smp_cpus_online() == 1;
  }
  probe_block = fba_alloc_block();
  if (!probe_block)
    return false;
  probe_block[0] = PROBE_MAGIC;
  probe_step = 0;
  probe_faulted = false;
  uint64_t before = shootdown_count();
  trap_set_handler(VECTOR_PAGE_FAULT, probe_fault);
  smp_run_on(1, probe_on_other_cpu);
  wait_step(1);
  fba_free_block(probe_block); // unmaps it: a shootdown
  __atomic_store_n(&probe_step, 2, __ATOMIC_RELEASE);
  wait_step(3);
  smp_wait_idle(1);
  trap_set_handler(VECTOR_PAGE_FAULT, 0);
  kprintf("[test] smp: cpu 1 read the block: %s; after the unmap on cpu 0 "
          "(%lu shootdowns): %s\n",
          probe_first_ok ? "ok" : "WRONG", shootdown_count() - before,
          probe_faulted ? "page fault" : "STILL READABLE");
  return probe_first_ok && probe_faulted && shootdown_count() > before;
}
