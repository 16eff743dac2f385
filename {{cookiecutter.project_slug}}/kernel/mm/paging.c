// Kernel page tables (see paging.h). The live tables are reached through a
// recursive PML4 slot: PML4[R] points at the PML4 itself, so every table of
// the hierarchy has a fixed virtual address inside slot R, whatever its
// physical address. ("Physical + kernel base" only reaches the first 4 MiB
// and broke on machines whose page tables landed above 4 GiB.)
//
// The kernel builds its own tables from PMM pages and leaves stage2's, which
// sit in low memory, for good (docs/MemoryMap.md): paging_init first points
// the boot PML4's slot R at the new PML4, whose own slot R points at itself,
// so the recursive addresses show the new hierarchy while the CPU still runs
// on the old one; it fills the new tables there and then loads them.
//
// A new table is zeroed before it is linked, through a second free slot S:
// with PML4[S] pointing at the page, the recursive slot shows the page as
// the PDPT of slot S (nothing uses slot S's addresses, so whatever the CPU
// might walk there meanwhile is never used, and INVLPG drops it).
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
static unsigned staging_slot = NO_SLOT;
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
  return slot == recursive_slot || slot == staging_slot;
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

// The PML4 the recursive slot shows (the one its entry points at).
static uint64_t *
recursive_pml4(void)
{
  return (uint64_t *)pt_recursive_table_va(recursive_slot, 0, PT_LEVELS);
}

// Where a staged page shows: the PDPT of the staging slot, through slot R.
static uint64_t *
staged_page(void)
{
  return (uint64_t *)pt_recursive_table_va(
      recursive_slot, slot_base(staging_slot), PT_LEVELS - 1);
}

// Point PML4[S] at the page at phys, so that it shows at staged_page(), or
// (phys 0) at nothing. INVLPG drops the old translation and anything the
// CPU may have cached from walking slot S meanwhile.
static void
stage(uint64_t phys)
{
  recursive_pml4()[staging_slot] =
      phys ? phys | PTE_PRESENT | PTE_WRITABLE | protect_nx() : 0;
  tlb_flush_page((uint64_t)staged_page());
}

// Zero the page at phys, a table not linked yet (pt_ops.zero_table).
static void
zero_table(void *ctx, uint64_t phys)
{
  uint64_t *page = staged_page();

  (void)ctx;
  stage(phys);
  for (int i = 0; i < PT_ENTRIES; i++)
    page[i] = 0;
  stage(0);
}

static void
invalidate(void *ctx, uint64_t va)
{
  (void)ctx;
  tlb_flush_page(va);
}

// A boot table, through the kernel window (stage2's tables lie below 2 MiB).
static uint64_t *
boot_table(uint64_t phys)
{
  if (phys >= BOOT_MAPPED_SIZE)
    panic("paging_init: boot table at 0x%lx is outside the kernel window",
          phys);
  return (uint64_t *)(LAYOUT_KERNEL_VIRT_BASE + phys);
}

// A zeroed PMM page whose slot R points at itself, made while the recursive
// slot still shows the boot PML4. Returns its physical address.
static uint64_t
new_root(void)
{
  uint64_t root = pmm_alloc_page();

  if (root == 0)
    panic("paging_init: no memory for the kernel's PML4");
  uint64_t *page = staged_page();
  stage(root);
  for (int i = 0; i < PT_ENTRIES; i++)
    page[i] = 0;
  page[recursive_slot] = root | PTE_PRESENT | PTE_WRITABLE | protect_nx();
  stage(0);
  return root;
}

// Physical [0, 4 MiB) at the kernel base in the new tables: the first 2 MiB
// with 4 KiB pages and the rights protect.c gives them, the second with one
// 2 MiB page. No identity map.
static void
map_kernel_window(void)
{
  if (pt_prepare(&kernel_pt, LAYOUT_KERNEL_VIRT_BASE) != PT_OK)
    panic("paging_init: no memory for the kernel window's tables");
  uint64_t *pd = (uint64_t *)pt_recursive_table_va(recursive_slot,
                                                   LAYOUT_KERNEL_VIRT_BASE, 2);
  uint64_t *pt = (uint64_t *)pt_recursive_table_va(recursive_slot,
                                                   LAYOUT_KERNEL_VIRT_BASE, 1);
  protect_kernel_window(pt); // W^X, stack guard
  for (uint64_t off = BOOT_MAPPED_SIZE; off < LAYOUT_KERNEL_WINDOW_SIZE;
       off += LARGE_PAGE_SIZE) {
    unsigned index = pt_index(LAYOUT_KERNEL_VIRT_BASE + off, 2);
    if (index < pt_index(LAYOUT_KERNEL_VIRT_BASE, 2))
      panic("paging_init: the kernel window crosses a page directory");
    pd[index] = off | PTE_PRESENT | PTE_WRITABLE | PTE_LARGE | protect_nx();
  }
}

static void
cr3_load(uint64_t pml4_phys)
{
  // Flushes every non-global translation (nothing here is global).
  __asm__ volatile("mov %0, %%cr3" : : "r"(pml4_phys) : "memory");
}

void
paging_init(void)
{
  uint64_t boot_phys = cr3_read() & PTE_ADDR_MASK;
  uint64_t *boot_pml4 = boot_table(boot_phys);

  // layout.cfg's rules guarantee these slots touch no virtual area
  // (tools/layout.py: page-table-slot).
  recursive_slot = LAYOUT_PAGE_TABLE_SLOT;
  staging_slot = free_slot();
  if (staging_slot == NO_SLOT)
    panic("paging_init: no free PML4 slot to zero page tables through");
  protect_init(); // CR0.WP, and EFER.NXE if the CPU has NX
  // Through the slot, the tables' own entries act as leaf entries: NX here
  // covers every level below, so page tables are never executable, whatever
  // the entries in them say.
  boot_pml4[recursive_slot] =
      boot_phys | PTE_PRESENT | PTE_WRITABLE | protect_nx();
  uint64_t root = new_root();
  // From here the recursive slot shows the new hierarchy.
  boot_pml4[recursive_slot] = root | PTE_PRESENT | PTE_WRITABLE | protect_nx();
  cr3_load(boot_phys);
  kernel_pt = (struct pt){
      root, {NULL, recursive_table, alloc_table, invalidate, zero_table}};
  map_kernel_window();
  cr3_load(root); // stage2's tables are never used again
  kprintf("[paging] identity map dropped; phys 0x%lx-0x%lx at %p; page tables "
          "through recursive PML4 slot %u (%p)\n",
          (uint64_t)BOOT_MAPPED_SIZE, (uint64_t)LAYOUT_KERNEL_WINDOW_SIZE - 1,
          (void *)(LAYOUT_KERNEL_VIRT_BASE + BOOT_MAPPED_SIZE), recursive_slot,
          (void *)slot_base(recursive_slot));
  kprintf(
      "[paging] the kernel's own page tables: PML4 at phys 0x%lx (PMM "
      "pages); stage2's at 0x%lx-0x%lx are no longer used; new tables "
      "are zeroed through PML4 slot %u\n",
      root, boot_phys,
      (uint64_t)(LAYOUT_BOOT_PAGE_TABLES + LAYOUT_BOOT_PAGE_TABLES_SIZE - 1),
      staging_slot);
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

// The PML4 slot of va.
static unsigned
slot_of(uint64_t va)
{
  return (unsigned)pt_index(va, PT_LEVELS);
}

// A kernel address that mapping may touch: not in the recursive slot,
// whose "pages" are the live page tables, nor in the staging slot.
static void
check_kernel_va(const char *who, uint64_t va)
{
  if (va < KERNEL_HALF_START)
    panic("%s: %p is not a kernel address", who, (void *)va);
  if (recursive_slot == NO_SLOT)
    panic("%s: called before paging_init", who);
  if (slot_of(va) == recursive_slot || slot_of(va) == staging_slot)
    panic("%s: %p lies in PML4 slot %u, which the page tables use", who,
          (void *)va, slot_of(va));
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

#if LAYOUT_AUTOMAP_ENABLED
// The address of the automap fault being handled, 0 when none: a page
// fault inside the handler (in the PMM or the mapper, whose state is then
// half-changed) is reported instead of handled on top of it.
static uint64_t automap_address;

static bool
automap(uint64_t address)
{
  uint64_t page = address & ~(PT_PAGE_SIZE - 1);
  uint64_t phys = pmm_alloc_page();

  if (phys == 0 || paging_map(page, phys, PTE_WRITABLE) != 0) {
    kprintf("[paging] automap: no memory for %p\n", (void *)address);
    return false;
  }
  uint64_t *words = (uint64_t *)page;
  for (uint64_t i = 0; i < PT_PAGE_SIZE / sizeof(uint64_t); i++)
    words[i] = 0;
  return true;
}
#endif

bool
paging_handle_fault(uint64_t address, uint64_t error_code)
{
#if LAYOUT_AUTOMAP_ENABLED
  if (automap_address != 0) {
    kprintf("[paging] page fault at %p while the automap fault at %p was "
            "being handled: not automapped\n",
            (void *)address, (void *)automap_address);
    return false;
  }
  if (error_code & PF_PRESENT)
    return false; // a protection fault: never automapped
  if (address - LAYOUT_AUTOMAP_BASE >= LAYOUT_AUTOMAP_SIZE) {
    kprintf("[paging] page fault at %p: outside the automap area %p-%p\n",
            (void *)address, (void *)LAYOUT_AUTOMAP_BASE,
            (void *)(LAYOUT_AUTOMAP_BASE + LAYOUT_AUTOMAP_SIZE - 1));
    return false;
  }
  automap_address = address;
  bool handled = automap(address);
  automap_address = 0;
  return handled;
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
