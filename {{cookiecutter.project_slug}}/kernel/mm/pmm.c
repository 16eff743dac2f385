// The PMM's kernel glue (see pmm.h): the E820 map in, the PMM area set up,
// pmm_core.c doing the bookkeeping.
//
// Bootstrapping happens in three steps. pmm_early_init sanitises the E820
// map, so that pages can be carved off the top of RAM: paging_init builds
// the kernel's page tables from them. Then pmm_init maps the first bootstrap
// page at the start of the PMM area (the other two bootstrap pages become
// the page directory and page table that mapping needs) and builds the page
// tables for the bitmap from more pages off the top of RAM. Finally
// pmm_core_init pushes one free range per usable range; from then on the
// PMM grows its own storage from the pages it manages.

#include <stdbool.h>
#include <stdint.h>

#include "arch/cpu_regs.h"
#include "arch/x86.h"
#include "layout.h"
#include "lib/kprintf.h"
#include "mm/e820.h"
#include "mm/mm_lock.h"
#include "mm/paging.h"
#include "mm/pmm.h"

// The PMM leaves physical [0, 2 MiB) alone: the loader's structures and
// the kernel live there (docs/MemoryMap.md).
#define PMM_LOW_RESERVED 0x200000ULL
// Sanitised ranges kept: the E820 buffer holds about 250 entries, and each
// excluded area can split one range in two.
#define PMM_MAX_RANGES  512
#define LARGE_PAGE_SIZE 0x200000ULL // span of one page table's entries
#define KIB             1024
// The least usable RAM above the first 2 MiB the kernel boots with. The boot
// itself takes about 64 KiB from it (page tables of the PMM, FBA, ACPI and
// LAPIC areas, the PMM bitmap and the FBA bitmap blocks); the self-tests of
// a test build take about 300 KiB more (64 pages at once, a run of FBA
// blocks). On QEMU's pc machine `-m 3` is the smallest size that boots
// (896 KiB above 2 MiB); `-m 2` leaves none.
#define PMM_MIN_RAM (512 * KIB)
// CPUID 0x80000008 EAX bits 7..0: the physical address width. Without the
// leaf, 36 bits (Intel SDM vol. 3A, 4.1.4).
#define CPUID_EXT_MAX       0x80000000
#define CPUID_ADDRESS_SIZES 0x80000008
#define PHYS_BITS_MASK      0xFF
#define PHYS_BITS_DEFAULT   36

static struct mem_range usable[PMM_MAX_RANGES];
static size_t usable_count;
static struct pmm *pmm; // NULL until pmm_init is done
// The next unused PMM bootstrap page: none until pmm_init starts on them.
static uint64_t bootstrap_next =
    LAYOUT_PMM_BOOTSTRAP + LAYOUT_PMM_BOOTSTRAP_SIZE;
static uint64_t ram_bytes;
static bool out_of_memory; // reported; cleared by the next free

struct rlock mm_lock;

// Physical areas the layout keeps, excluded from the PMM even where the BIOS
// says usable (all lie below 2 MiB in a valid layout; listed to be sure).
static const struct mem_range layout_reserved[] = {
    {0, PMM_LOW_RESERVED},
    {LAYOUT_E820_BUFFER, LAYOUT_E820_BUFFER + LAYOUT_E820_BUFFER_SIZE},
    {LAYOUT_PMM_BOOTSTRAP, LAYOUT_PMM_BOOTSTRAP + LAYOUT_PMM_BOOTSTRAP_SIZE},
    {LAYOUT_BOOT_PAGE_TABLES,
     LAYOUT_BOOT_PAGE_TABLES + LAYOUT_BOOT_PAGE_TABLES_SIZE},
    {LAYOUT_KERNEL_STACK_BASE, LAYOUT_KERNEL_STACK_TOP},
    {LAYOUT_KERNEL_BSS_BASE, LAYOUT_KERNEL_BSS_BASE + LAYOUT_KERNEL_BSS_SIZE},
    {LAYOUT_KERNEL_LOAD_ADDR, LAYOUT_KERNEL_AREA_END},
};
#define LAYOUT_RESERVED_COUNT                                                  \
  (sizeof(layout_reserved) / sizeof(layout_reserved[0]))

// Before the PMM exists: the bootstrap table pages (once pmm_init has begun),
// then the top of RAM.
static uint64_t
early_alloc(void)
{
  if (bootstrap_next < LAYOUT_PMM_BOOTSTRAP + LAYOUT_PMM_BOOTSTRAP_SIZE) {
    uint64_t page = bootstrap_next;
    bootstrap_next += PMM_PAGE_SIZE;
    return page;
  }
  if (usable_count == 0)
    return 0;
  struct mem_range *top = &usable[usable_count - 1];
  top->end -= PMM_PAGE_SIZE;
  if (top->end == top->base)
    usable_count--;
  return top->end;
}

static bool
area_map(void *ctx, uintptr_t va, uint64_t phys)
{
  (void)ctx;
  return paging_map(va, phys, PTE_WRITABLE) == 0;
}

static bool
area_mapped(void *ctx, uintptr_t va)
{
  (void)ctx;
  return paging_translate(va, NULL);
}

static void
print_map(const struct e820_lost *lost)
{
  kprintf("[e820] sanitised: %lu KiB usable RAM, %lu KiB of it above the "
          "reserved low memory in %lu ranges\n",
          ram_bytes / KIB, mem_ranges_bytes(usable, usable_count) / KIB,
          (uint64_t)usable_count);
  for (size_t i = 0; i < usable_count; i++)
    kprintf("[e820]   0x%016lx-0x%016lx usable\n", usable[i].base,
            usable[i].end - 1);
  if (lost->ranges)
    kprintf("[e820] %lu ranges (%lu KiB) did not fit and are ignored\n",
            (uint64_t)lost->ranges, lost->bytes / KIB);
}

// The CPU's physical address width in bits.
static unsigned
phys_address_bits(void)
{
  uint32_t a, b, c, d;

  cpuid(CPUID_EXT_MAX, &a, &b, &c, &d);
  if (a < CPUID_ADDRESS_SIZES)
    return PHYS_BITS_DEFAULT;
  cpuid(CPUID_ADDRESS_SIZES, &a, &b, &c, &d);
  return a & PHYS_BITS_MASK;
}

// RAM the E820 map places beyond the CPU's physical address width cannot be
// reached, and a range ending near 2^52 would ask for a 128 GiB bitmap:
// such ranges are cut off, and the log says how much.
static struct mem_range
beyond_phys_width(const struct boot_info *info, unsigned bits)
{
  struct mem_range beyond = {1ULL << bits, UINT64_MAX};
  struct e820_lost lost;
  size_t all = e820_sanitise(info->e820, info->e820_count, NULL, 0, usable,
                             PMM_MAX_RANGES, &lost);
  uint64_t unclamped = mem_ranges_bytes(usable, all);

  all = e820_sanitise(info->e820, info->e820_count, &beyond, 1, usable,
                      PMM_MAX_RANGES, &lost);
  if (mem_ranges_bytes(usable, all) != unclamped)
    kprintf("[e820] %lu KiB of usable RAM lies beyond the CPU's %u-bit "
            "physical address space and is ignored\n",
            (unclamped - mem_ranges_bytes(usable, all)) / KIB, bits);
  return beyond;
}

void
pmm_early_init(const struct boot_info *info)
{
  struct e820_lost lost;
  struct mem_range exclude[LAYOUT_RESERVED_COUNT + 1];
  size_t n = LAYOUT_RESERVED_COUNT;

  for (size_t i = 0; i < n; i++)
    exclude[i] = layout_reserved[i];
  exclude[n] = beyond_phys_width(info, phys_address_bits());
  // Once without the layout's areas, for the RAM total; then for the PMM.
  size_t all = e820_sanitise(info->e820, info->e820_count, &exclude[n], 1,
                             usable, PMM_MAX_RANGES, &lost);
  ram_bytes = mem_ranges_bytes(usable, all);
  usable_count = e820_sanitise(info->e820, info->e820_count, exclude, n + 1,
                               usable, PMM_MAX_RANGES, &lost);
  print_map(&lost);
  uint64_t above = mem_ranges_bytes(usable, usable_count);
  if (above < PMM_MIN_RAM)
    panic("pmm_init: not enough memory: found %lu KiB of usable RAM above "
          "0x%lx (%lu KiB in all), the kernel needs at least %lu KiB there",
          above / KIB, (uint64_t)PMM_LOW_RESERVED, ram_bytes / KIB,
          (uint64_t)PMM_MIN_RAM / KIB);
}

// Page tables for the whole bitmap, so backing a bitmap page later never
// needs a table (which would need the PMM, which needs the bitmap).
static void
prepare_bitmap_tables(uintptr_t *va, uint64_t *size)
{
  uint64_t limit = usable[usable_count - 1].end;

  // Never prepare tables outside the area: below it may lie the recursive
  // page-table slot, whose "tables" are the live ones.
  if (!pmm_core_bitmap_place(LAYOUT_PMM_AREA_BASE, LAYOUT_PMM_AREA_SIZE, limit,
                             va, size))
    panic("pmm_init: the PMM area (%lu GiB) cannot hold the bitmap for RAM up "
          "to 0x%lx: raise pmm_area_size in layout.cfg",
          (uint64_t)LAYOUT_PMM_AREA_SIZE >> 30, limit);
  for (uint64_t off = 0; off < *size; off += LARGE_PAGE_SIZE)
    if (paging_prepare((*va + off) & ~(LARGE_PAGE_SIZE - 1)) != 0)
      panic("pmm_init: no memory for the bitmap's page tables");
  if (paging_prepare(*va + *size - PMM_PAGE_SIZE) != 0)
    panic("pmm_init: no memory for the bitmap's page tables");
}

void
pmm_init(void)
{
  static const struct pmm_ops ops = {NULL, area_map, area_mapped};
  enum pmm_status status;
  uintptr_t bitmap_va;
  uint64_t bitmap_size;
  uint64_t tsc_start = rdtsc();

  bootstrap_next = LAYOUT_PMM_BOOTSTRAP + PMM_PAGE_SIZE;
  if (paging_map(LAYOUT_PMM_AREA_BASE, LAYOUT_PMM_BOOTSTRAP, PTE_WRITABLE) != 0)
    panic("pmm_init: cannot map the bootstrap page");
  prepare_bitmap_tables(&bitmap_va, &bitmap_size);
  pmm = pmm_core_init(LAYOUT_PMM_AREA_BASE, LAYOUT_PMM_AREA_SIZE, &ops, usable,
                      usable_count, &status);
  if (pmm == NULL)
    panic("pmm_init: %s", pmm_status_name(status));
  uint64_t tsc_end = rdtsc();
  kprintf("[pmm] %lu ranges, managed %lu KiB, free %lu KiB; state at %p "
          "(bootstrap page 0x%lx), bitmap %lu KiB at %p, filled on demand\n",
          (uint64_t)usable_count, pmm_managed_bytes() / KIB,
          pmm_free_bytes() / KIB, (void *)pmm, (uint64_t)LAYOUT_PMM_BOOTSTRAP,
          bitmap_size / KIB, (void *)bitmap_va);
  kprintf("[pmm] init took %lu TSC cycles (log lines included)\n",
          tsc_end - tsc_start);
}

uint64_t
pmm_alloc_page(void)
{
  if (pmm == NULL)
    return early_alloc();
  rlock_take(&mm_lock);
  uint64_t page = pmm_core_alloc(pmm);
  if (page == 0 && !out_of_memory) {
    out_of_memory = true;
    kprintf("[pmm] out of memory: all %lu KiB handed out, pmm_alloc_page "
            "returns 0\n",
            pmm_managed_bytes() / KIB);
  }
  rlock_release(&mm_lock);
  return page;
}

enum pmm_status
pmm_try_free_page(uint64_t phys)
{
  if (pmm == NULL)
    panic("pmm_free: 0x%lx freed before pmm_init", phys);
  rlock_take(&mm_lock);
  enum pmm_status status = pmm_core_free(pmm, phys);
  if (status == PMM_OK)
    out_of_memory = false;
  rlock_release(&mm_lock);
  return status;
}

void
pmm_free_page(uint64_t phys)
{
  enum pmm_status status = pmm_try_free_page(phys);

  if (status != PMM_OK)
    panic("pmm_free: %s at 0x%lx", pmm_status_name(status), phys);
}

uint64_t
pmm_ram_bytes(void)
{
  return ram_bytes;
}

uint64_t
pmm_managed_bytes(void)
{
  return pmm ? pmm->total_pages * PMM_PAGE_SIZE : 0;
}

uint64_t
pmm_free_bytes(void)
{
  return pmm ? pmm->free_pages * PMM_PAGE_SIZE : 0;
}
