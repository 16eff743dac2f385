// The per-CPU area (see percpu.h): slot arithmetic and mapping.

#include <stdbool.h>
#include <stdint.h>

#include "arch/cpu_local.h"
#include "layout.h"
#include "lib/kprintf.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/protect.h"
#include "smp/percpu.h"

#define PAGE         PT_PAGE_SIZE
#define STACK_OFFSET PAGE // above the first guard page
#define DF_OFFSET    (STACK_OFFSET + LAYOUT_SMP_STACK_SIZE + PAGE)
#define NMI_OFFSET   (DF_OFFSET + 2 * PAGE)
#define DATA_OFFSET  (NMI_OFFSET + PAGE)
#define IST_SIZE     PAGE

_Static_assert(DATA_OFFSET + PAGE == LAYOUT_PERCPU_SLOT_SIZE,
               "the slot layout matches tools/layout.py");
_Static_assert(sizeof(struct cpu) <= PAGE, "struct cpu fits its page");

static struct cpu_local boot_local; // index 0 until smp_send_init

static uint64_t
slot(unsigned index)
{
  return LAYOUT_PERCPU_AREA_BASE + index * LAYOUT_PERCPU_SLOT_SIZE;
}

// The stack whose guard page (unmapped, below it in its slot) holds
// `address`, for fault reports (which name the CPU that faulted); NULL
// when `address` is no guard page of the per-CPU area.
static const char *
percpu_guard_stack(uint64_t address)
{
  // Slot 0 is the boot CPU's: it runs on the kernel stack, so its slot
  // has no stacks, nor guard pages.
  uint64_t offset = address - slot(1); // wraps to huge below slot 1
  if (offset >= (uint64_t)(LAYOUT_SMP_MAX_CPUS - 1) * LAYOUT_PERCPU_SLOT_SIZE)
    return 0;
  uint64_t page = offset % LAYOUT_PERCPU_SLOT_SIZE & ~(uint64_t)(PAGE - 1);
  if (page == STACK_OFFSET - PAGE)
    return "per-CPU kernel stack";
  if (page == DF_OFFSET - PAGE)
    return "per-CPU #DF stack";
  if (page == NMI_OFFSET - PAGE)
    return "per-CPU NMI stack";
  return 0;
}

void
percpu_boot_early(void)
{
  cpu_local_set(&boot_local);
  protect_set_guard_lookup(percpu_guard_stack);
}

// Map [va, va + size) to fresh zeroed pages.
static bool
map_fresh(uint64_t va, uint64_t size)
{
  for (uint64_t off = 0; off < size; off += PAGE) {
    uint64_t phys = pmm_alloc_page();
    if (phys == 0 || paging_map(va + off, phys, PTE_WRITABLE) != 0)
      return false;
    uint64_t *words = (uint64_t *)(va + off);
    for (unsigned i = 0; i < PAGE / sizeof(uint64_t); i++)
      words[i] = 0;
  }
  return true;
}

bool
percpu_map(unsigned index, bool stacks)
{
  if (index >= LAYOUT_SMP_MAX_CPUS)
    panic("percpu_map: cpu %u is beyond smp_max_cpus", index);
  if (!map_fresh(slot(index) + DATA_OFFSET, PAGE))
    return false;
  if (!stacks)
    return true;
  return map_fresh(slot(index) + STACK_OFFSET, LAYOUT_SMP_STACK_SIZE) &&
         map_fresh(slot(index) + DF_OFFSET, IST_SIZE) &&
         map_fresh(slot(index) + NMI_OFFSET, IST_SIZE);
}

struct cpu *
percpu(unsigned index)
{
  return (struct cpu *)(slot(index) + DATA_OFFSET);
}

uint64_t
percpu_stack_top(unsigned index)
{
  return slot(index) + STACK_OFFSET + LAYOUT_SMP_STACK_SIZE;
}

uint64_t
percpu_double_fault_stack_top(unsigned index)
{
  return slot(index) + DF_OFFSET + IST_SIZE;
}

uint64_t
percpu_nmi_stack_top(unsigned index)
{
  return slot(index) + NMI_OFFSET + IST_SIZE;
}
