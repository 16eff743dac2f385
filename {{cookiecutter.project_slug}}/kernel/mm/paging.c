// Kernel page tables (see paging.h). The live tables are reached through a
// recursive PML4 slot: PML4[R] points at the PML4 itself, so every table of
// the hierarchy has a fixed virtual address inside slot R, whatever its
// physical address. ("Physical + kernel base" only reaches the first 4 MiB
// and broke on machines whose page tables landed above 4 GiB.)
// Intel SDM vol. 3A, 4.5 "4-Level Paging" and 4.10 "Caching Translation
// Information".

#include <stdbool.h>
#include <stdint.h>

#include "arch/cpu_regs.h"
#include "layout.h"
#include "lib/kprintf.h"
#include "mm/mm_lock.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/protect.h"

#define VA_SIGN_BIT       (1ULL << 47) // copied into bits 63..48
#define VA_SIGN_EXTENSION 0xFFFF000000000000ULL
#define KERNEL_HALF_START 0xFFFF800000000000ULL // first upper-half address
#define PML4_FIRST_KERNEL 256 // PML4 entries 256..511 map the upper half
#define PML4_SLOT_SHIFT   39  // each PML4 entry maps 512 GiB
#define LARGE_PAGE_SIZE   0x200000ULL // a PD entry with PTE_LARGE: 2 MiB
// Stage2 maps physical [0, BOOT_MAPPED_SIZE) at the kernel base (and at 0).
#define BOOT_MAPPED_SIZE 0x200000ULL
#define PF_PRESENT       (1ULL << 0) // page-fault error code: protection fault
#define NO_SLOT          0

static struct pt kernel_pt;
static unsigned recursive_slot = NO_SLOT;
static void (*remote_flush)(uint64_t va); // other CPUs' TLBs (smp/)

// The virtual regions layout.cfg reserves, [base, base + size).
static const struct {
  uint64_t base, size;
} layout_regions[] = {
    {LAYOUT_KERNEL_VIRT_BASE, LAYOUT_KERNEL_WINDOW_SIZE},
    {LAYOUT_PMM_AREA_BASE, LAYOUT_PMM_AREA_SIZE},
    {LAYOUT_ACPI_AREA_BASE, LAYOUT_ACPI_AREA_SIZE},
    {LAYOUT_AUTOMAP_BASE, LAYOUT_AUTOMAP_SIZE},
    {LAYOUT_LAPIC_VIRT, PT_PAGE_SIZE},
    {LAYOUT_FBA_BASE, LAYOUT_FBA_SIZE},
    {LAYOUT_PERCPU_AREA_BASE, LAYOUT_PERCPU_AREA_SIZE},
};

static uint64_t
sign_extend(uint64_t va)
{
  return (va & VA_SIGN_BIT) ? (va | VA_SIGN_EXTENSION) : va;
}

static uint64_t
slot_base(unsigned slot)
{
  return sign_extend((uint64_t)slot << PML4_SLOT_SHIFT);
}

// Whether any layout region touches PML4 slot `slot`.
static bool
slot_in_use(unsigned slot)
{
  uint64_t first = slot_base(slot),
           last = first + (1ULL << PML4_SLOT_SHIFT) - 1;

  for (unsigned i = 0; i < sizeof(layout_regions) / sizeof(layout_regions[0]);
       i++) {
    uint64_t base = layout_regions[i].base;
    uint64_t end = base + layout_regions[i].size - 1;
    if (base <= last && end >= first)
      return true;
  }
  return slot == recursive_slot;
}

// The highest upper-half PML4 slot nothing uses, or NO_SLOT.
static unsigned
free_slot(void)
{
  for (unsigned slot = PT_ENTRIES - 1; slot >= PML4_FIRST_KERNEL; slot--)
    if (!slot_in_use(slot))
      return slot;
  return NO_SLOT;
}

// Through slot R, the `level` table on the walk for va sits at the address
// whose top `level` indices are R and whose others are va's, shifted down.
static uint64_t *
recursive_table(void *ctx, uint64_t phys, uint64_t va, int level)
{
  (void)ctx;
  (void)phys;
  return (uint64_t *)pt_recursive_table_va(recursive_slot, va, level);
}

static uint64_t
alloc_table(void *ctx)
{
  (void)ctx;
  return pmm_alloc_page();
}

static void
invalidate(void *ctx, uint64_t va)
{
  (void)ctx;
  tlb_flush_page(va);
}

// A boot table, through the kernel window (only for tables stage2 built).
static uint64_t *
boot_table(uint64_t phys)
{
  if (phys >= BOOT_MAPPED_SIZE)
    panic("paging_init: boot table at 0x%lx is outside the kernel window",
          phys);
  return (uint64_t *)(LAYOUT_KERNEL_VIRT_BASE + phys);
}

// Stage2's identity map shares its PDPT, PD and PT with the kernel mapping:
// clear PML4[0], and the entries 0 of the shared PDPT and PD unless the
// kernel mapping itself uses them.
static void
drop_identity_map(uint64_t *pml4)
{
  uint64_t *pdpt =
      boot_table(pml4[pt_index(LAYOUT_KERNEL_VIRT_BASE, 4)] & PTE_ADDR_MASK);
  uint64_t *pd =
      boot_table(pdpt[pt_index(LAYOUT_KERNEL_VIRT_BASE, 3)] & PTE_ADDR_MASK);

  pml4[0] = 0;
  if (pt_index(LAYOUT_KERNEL_VIRT_BASE, 3) != 0)
    pdpt[0] = 0;
  if (pt_index(LAYOUT_KERNEL_VIRT_BASE, 2) != 0)
    pd[0] = 0;
  // Map the rest of the kernel window with 2 MiB pages, in the same PD.
  for (uint64_t off = BOOT_MAPPED_SIZE; off < LAYOUT_KERNEL_WINDOW_SIZE;
       off += LARGE_PAGE_SIZE) {
    unsigned index = pt_index(LAYOUT_KERNEL_VIRT_BASE + off, 2);
    if (index < pt_index(LAYOUT_KERNEL_VIRT_BASE, 2))
      panic("paging_init: the kernel window crosses a page directory");
    pd[index] = off | PTE_PRESENT | PTE_WRITABLE | PTE_LARGE | protect_nx();
  }
}

// The boot page table that maps physical [0, 2 MiB) at the kernel base.
static uint64_t *
kernel_window_table(uint64_t *pml4)
{
  uint64_t *pdpt =
      boot_table(pml4[pt_index(LAYOUT_KERNEL_VIRT_BASE, 4)] & PTE_ADDR_MASK);
  uint64_t *pd =
      boot_table(pdpt[pt_index(LAYOUT_KERNEL_VIRT_BASE, 3)] & PTE_ADDR_MASK);
  return boot_table(pd[pt_index(LAYOUT_KERNEL_VIRT_BASE, 2)] & PTE_ADDR_MASK);
}

void
paging_init(void)
{
  uint64_t pml4_phys = cr3_read() & PTE_ADDR_MASK;
  uint64_t *pml4 = boot_table(pml4_phys);

  // layout.cfg's rules guarantee this slot touches no virtual area
  // (tools/layout.py: page-table-slot).
  recursive_slot = LAYOUT_PAGE_TABLE_SLOT;
  protect_init(); // CR0.WP, and EFER.NXE if the CPU has NX
  // Through the slot, the tables' own entries act as leaf entries: NX here
  // covers every level below, so page tables are never executable, whatever
  // the entries in them say.
  pml4[recursive_slot] = pml4_phys | PTE_PRESENT | PTE_WRITABLE | protect_nx();
  drop_identity_map(pml4);
  protect_kernel_window(kernel_window_table(pml4)); // W^X, stack guard
  kernel_pt =
      (struct pt){pml4_phys, {NULL, recursive_table, alloc_table, invalidate}};
  // Reloading CR3 flushes every non-global translation: the identity map.
  __asm__ volatile("mov %0, %%cr3" : : "r"(pml4_phys) : "memory");
  kprintf("[paging] identity map dropped; phys 0x%lx-0x%lx at %p; page tables "
          "through recursive PML4 slot %u (%p)\n",
          (uint64_t)BOOT_MAPPED_SIZE, (uint64_t)LAYOUT_KERNEL_WINDOW_SIZE - 1,
          (void *)(LAYOUT_KERNEL_VIRT_BASE + BOOT_MAPPED_SIZE), recursive_slot,
          (void *)slot_base(recursive_slot));
}

static const char *
pt_status_name(enum pt_status status)
{
  switch (status) {
  case PT_OK:
    return "ok";
  case PT_ERR_NO_MEMORY:
    return "out of memory";
  case PT_ERR_MAPPED:
    return "remap";
  case PT_ERR_NOT_MAPPED:
    return "not mapped";
  case PT_ERR_LARGE:
    return "inside a large page";
  case PT_ERR_ALIGN:
    return "unaligned";
  }
  return "unknown";
}

static void
check_kernel_va(const char *who, uint64_t va)
{
  if (va < KERNEL_HALF_START)
    panic("%s: %p is not a kernel address", who, (void *)va);
  if (recursive_slot == NO_SLOT)
    panic("%s: called before paging_init", who);
}

int
paging_map(uint64_t va, uint64_t phys, uint64_t flags)
{
  check_kernel_va("paging_map", va);
  rlock_take(&mm_lock);
  enum pt_status status = pt_map(&kernel_pt, va, phys, flags | protect_nx());
  rlock_release(&mm_lock);
  if (status == PT_ERR_NO_MEMORY)
    return -1;
  if (status != PT_OK)
    panic("paging_map: %s at %p", pt_status_name(status), (void *)va);
  return 0;
}

uint64_t
paging_unmap(uint64_t va)
{
  uint64_t phys;

  check_kernel_va("paging_unmap", va);
  rlock_take(&mm_lock);
  enum pt_status status = pt_unmap(&kernel_pt, va, &phys);
  rlock_release(&mm_lock);
  if (status != PT_OK)
    panic("paging_unmap: %s at %p", pt_status_name(status), (void *)va);
  // This CPU's TLB was flushed by pt_unmap; the others' are flushed before
  // the caller can reuse the page, and outside mm_lock (rules in spinlock.h).
  if (remote_flush)
    remote_flush(va);
  return phys;
}

bool
paging_translate(uint64_t va, uint64_t *phys)
{
  check_kernel_va("paging_translate", va);
  rlock_take(&mm_lock);
  bool mapped = pt_translate(&kernel_pt, va, phys) == PT_OK;
  rlock_release(&mm_lock);
  return mapped;
}

int
paging_prepare(uint64_t va)
{
  check_kernel_va("paging_prepare", va);
  rlock_take(&mm_lock);
  enum pt_status status = pt_prepare(&kernel_pt, va);
  rlock_release(&mm_lock);
  if (status == PT_ERR_NO_MEMORY)
    return -1;
  if (status != PT_OK)
    panic("paging_prepare: %s at %p", pt_status_name(status), (void *)va);
  return 0;
}

bool
paging_handle_fault(uint64_t address, uint64_t error_code)
{
#if LAYOUT_AUTOMAP_ENABLED
  uint64_t page = address & ~(PT_PAGE_SIZE - 1);

  if (error_code & PF_PRESENT)
    return false; // a protection fault: never automapped
  if (address - LAYOUT_AUTOMAP_BASE >= LAYOUT_AUTOMAP_SIZE) {
    kprintf("[paging] page fault at %p: outside the automap area %p-%p\n",
            (void *)address, (void *)LAYOUT_AUTOMAP_BASE,
            (void *)(LAYOUT_AUTOMAP_BASE + LAYOUT_AUTOMAP_SIZE - 1));
    return false;
  }
  uint64_t phys = pmm_alloc_page();
  if (phys == 0 || paging_map(page, phys, PTE_WRITABLE) != 0) {
    kprintf("[paging] automap: no memory for %p\n", (void *)address);
    return false;
  }
  uint64_t *words = (uint64_t *)page;
  for (uint64_t i = 0; i < PT_PAGE_SIZE / sizeof(uint64_t); i++)
    words[i] = 0;
  return true;
#else
  (void)error_code;
  kprintf("[paging] page fault at %p: automap is off (layout.cfg)\n",
          (void *)address);
  return false;
#endif
}

void
paging_set_remote_flush(void (*flush)(uint64_t va))
{
  remote_flush = flush;
}

uint64_t
paging_scratch_region(void)
{
  unsigned slot = free_slot();

  if (slot == NO_SLOT)
    panic("paging_scratch_region: no free PML4 slot");
  return slot_base(slot);
}
