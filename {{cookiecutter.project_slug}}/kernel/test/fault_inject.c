// Fault injection for test builds: `make test-image FAULT=name` compiles
// this file in (with KERNEL_FAULT="name"), and kmain calls fault_inject_run
// after the ready line instead of the self-tests. Each entry of the table
// below triggers one failure on purpose, so tests can check the kernel's
// answer to it:
//   - a CPU exception must be reported by trap.c (vector, error code, RIP,
//     registers, CR2) and end the emulator with the FAIL status, never a
//     triple fault or a reboot;
//   - exhausting an allocator is an expected failure channel: the allocator
//     returns 0 or NULL and logs "out of memory"; the injection then gives
//     everything back, checks that nothing leaked and ends with PASS.
// It is not part of normal or self-test builds.

#include <stdbool.h>
#include <stdint.h>

#include "acpi/boot.h"
#include "arch/cpu_local.h"
#include "dev/shutdown.h"
#include "layout.h"
#include "lib/kprintf.h"
#include "mm/fba.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "smp/smp.h"
#include "test/fault_inject.h"

#define KIB 1024
// Where the page_fault case writes: inside the self-test scratch region,
// which no layout region uses and nothing maps.
#define UNMAPPED_OFFSET 0x42000ULL
// Stack the stack_overflow case uses per call; the recursion has no end.
#define OVERFLOW_FRAME_BYTES 512
#define X86_RET              0xC3 // the one-byte RET instruction

struct fault {
  const char *name;
  void (*run)(void);
};

static uint8_t data_code[] = {X86_RET}; // in .data: never executable

static void
fault_divide(void)
{
  __asm__ volatile("xor %%ecx, %%ecx\n\t"
                   "div %%ecx"
                   :
                   :
                   : "rax", "rcx", "rdx");
}

static void
fault_page_fault(void)
{
  volatile uint64_t *p =
      (volatile uint64_t *)(paging_scratch_region() + UNMAPPED_OFFSET);

  *p = 1;
}

static void
fault_write_text(void)
{
  volatile uint8_t *text = (volatile uint8_t *)(uintptr_t)fault_write_text;

  *text = X86_RET;
}

static void
fault_exec_data(void)
{
  ((void (*)(void))(uintptr_t)data_code)();
  kprintf("[fault] exec_data: code in .data ran (no NX on this CPU)\n");
}

// Code written into a page table, through the recursive slot, must not run:
// the slot's PML4 entry is NX (paging.c). The RET goes into the top byte of
// the table's last entry, which stays not present either way.
static void
fault_exec_page_table(void)
{
  uint64_t va = paging_scratch_region();

  if (paging_prepare(va) != 0)
    panic("fault_exec_page_table: no memory for the scratch page tables");
  volatile uint8_t *table =
      (volatile uint8_t *)pt_recursive_table_va(LAYOUT_PAGE_TABLE_SLOT, va, 1);
  table[PT_PAGE_SIZE - 1] = X86_RET;
  ((void (*)(void))(uintptr_t)(table + PT_PAGE_SIZE - 1))();
  kprintf("[fault] exec_page_table: code in a page table ran (no NX on this "
          "CPU)\n");
}

// Each call keeps a frame of OVERFLOW_FRAME_BYTES live across the next.
static uint64_t
recurse(uint64_t depth)
{
  volatile uint8_t frame[OVERFLOW_FRAME_BYTES];

  frame[0] = (uint8_t)depth;
  if (depth == UINT64_MAX) // never: only keeps the compiler from calling
    return 0;              // the recursion infinite
  return recurse(depth + 1) + frame[0];
}

static void
fault_stack_overflow(void)
{
  recurse(0);
}

// Take every page, chaining them through one scratch mapping (its tables
// are prepared first, so mapping allocates nothing), then free them all.
static void
fault_pmm_exhaust(void)
{
  uint64_t va = paging_scratch_region(), head = 0, pages = 0;

  if (paging_prepare(va) != 0)
    panic("fault_pmm_exhaust: no memory for the scratch page tables");
  uint64_t free_before = pmm_free_bytes();
  for (uint64_t page; (page = pmm_alloc_page()) != 0; pages++) {
    paging_map(va, page, PTE_WRITABLE);
    *(volatile uint64_t *)va = head;
    paging_unmap(va);
    head = page;
  }
  kprintf("[fault] pmm_exhaust: pmm_alloc_page returned 0 after %lu pages "
          "(%lu KiB), free %lu KiB\n",
          pages, pages * (uint64_t)(PT_PAGE_SIZE / KIB),
          pmm_free_bytes() / KIB);
  while (head != 0) {
    paging_map(va, head, PTE_WRITABLE);
    uint64_t next = *(volatile uint64_t *)va;
    paging_unmap(va);
    pmm_free_page(head);
    head = next;
  }
  bool ok = pmm_free_bytes() == free_before;
  kprintf("[fault] pmm_exhaust: all pages freed, free %lu KiB (%s)\n",
          pmm_free_bytes() / KIB, ok ? "as before" : "LEAKED");
  kernel_finish(ok);
}

// Take blocks until the FBA says no, chaining them through their own first
// word, then free them all. The page tables the FBA area grew stay (tables
// are never freed), so only the blocks must all come back.
static void
fault_fba_exhaust(void)
{
  uint64_t free_before = pmm_free_bytes(), blocks = 0;
  size_t used_before = fba_used_blocks();
  uint64_t *head = NULL;

  for (uint64_t *block; (block = fba_alloc_block()) != NULL; blocks++) {
    block[0] = (uint64_t)head;
    head = block;
  }
  kprintf("[fault] fba_exhaust: fba_alloc_block returned NULL after %lu "
          "blocks, free %lu KiB\n",
          blocks, pmm_free_bytes() / KIB);
  while (head != NULL) {
    uint64_t *next = (uint64_t *)head[0];
    fba_free_block(head);
    head = next;
  }
  bool ok = fba_used_blocks() == used_before;
  kprintf("[fault] fba_exhaust: all blocks freed (%s), free %lu KiB (%lu KiB "
          "kept as page tables)\n",
          ok ? "as before" : "LEAKED", pmm_free_bytes() / KIB,
          (free_before - pmm_free_bytes()) / KIB);
  kernel_finish(ok);
}

// A write to the automap area's last page: served when automap is on,
// fatal when it is off.
static void
fault_automap(void)
{
  volatile uint64_t *p =
      (volatile uint64_t *)(LAYOUT_AUTOMAP_BASE + LAYOUT_AUTOMAP_SIZE -
                            PT_PAGE_SIZE);

  *p = 1;
  kprintf("[fault] automap: the write at %p was served (automap is on)\n",
          (void *)p);
  kernel_finish(true);
}

// A page fault inside the automap handler is reported, not handled on top
// of the first: with the PMM's state page unmapped, the handler's
// pmm_alloc_page faults.
static void
fault_automap_reenter(void)
{
  paging_unmap(LAYOUT_PMM_AREA_BASE);
  *(volatile uint64_t *)LAYOUT_AUTOMAP_BASE = 1;
  kprintf("[fault] automap_reenter: the write was served\n");
}

// A page mapped in the recursive slot would be written into the live page
// tables: paging_map must refuse it with a panic.
static void
fault_map_page_table_slot(void)
{
  uint64_t phys = pmm_alloc_page();

  paging_map(LAYOUT_PAGE_TABLE_BASE + PT_PAGE_SIZE, phys, PTE_WRITABLE);
  kprintf("[fault] map_page_table_slot: a page went into the page tables\n");
}

// Built with KERNEL_FAULT_smp_no_start, smp.c sent the last AP no STARTUP:
// it must have been reported and the rest must run.
static void
fault_smp_no_start(void)
{
  unsigned listed = acpi_cpu_count();
  unsigned want = listed < LAYOUT_SMP_MAX_CPUS ? listed : LAYOUT_SMP_MAX_CPUS;

  kprintf("[fault] smp_no_start: %u of %u CPUs online\n", smp_cpus_online(),
          want);
  kernel_finish(want > 1 && smp_cpus_online() == want - 1);
}

// A panic on an AP: reported like any other, and the run ends with every
// other CPU stopped.
static void
ap_panics(void)
{
  panic("fault_inject: ap_panic on cpu %u", cpu_index());
}

// Run `work` on CPU 1 (a fault case that needs a second CPU: CPUS=2) and
// wait for it; the fault it raises stops this CPU with an NMI first.
static void
run_on_cpu1(const char *name, void (*work)(void))
{
  if (smp_cpus_online() < 2) {
    kprintf("[fault] %s: needs a second CPU (CPUS=2)\n", name);
    return;
  }
  smp_run_on(1, work);
  smp_wait_idle(1); // stopped by cpu 1's NMI before this returns
}

static void
fault_ap_panic(void)
{
  run_on_cpu1("ap_panic", ap_panics);
}

// The same overflow on an AP: its own stack's guard page faults, and the
// #DF runs on its own IST stack (its TSS), so the report comes from there.
static void
fault_ap_stack_overflow(void)
{
  run_on_cpu1("ap_stack_overflow", fault_stack_overflow);
}

static const struct fault faults[] = {
    {"divide", fault_divide},
    {"page_fault", fault_page_fault},
    {"write_text", fault_write_text},
    {"exec_data", fault_exec_data},
    {"exec_page_table", fault_exec_page_table},
    {"stack_overflow", fault_stack_overflow},
    {"pmm_exhaust", fault_pmm_exhaust},
    {"fba_exhaust", fault_fba_exhaust},
    {"automap", fault_automap},
    {"automap_reenter", fault_automap_reenter},
    {"map_page_table_slot", fault_map_page_table_slot},
    {"smp_no_start", fault_smp_no_start},
    {"ap_panic", fault_ap_panic},
    {"ap_stack_overflow", fault_ap_stack_overflow},
};

static bool
same(const char *a, const char *b)
{
  while (*a && *a == *b)
    a++, b++;
  return *a == *b;
}

void
fault_inject_run(const char *name)
{
  for (unsigned i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
    if (same(faults[i].name, name)) {
      kprintf("[fault] injecting %s\n", name);
      faults[i].run();
      kprintf("[fault] %s: no fault was raised\n", name);
      kernel_finish(false);
    }
  }
  panic("fault_inject_run: unknown fault '%s'", name);
}
