// The kernel image's page protections (see protect.h). Stage2 maps
// physical [0, 2 MiB) at the kernel base with one page table of 4 KiB pages,
// all writable and executable. The kernel's own page table for that window
// (paging_init builds it) gets from this file the rights of what each page
// holds, using the section bounds kernel.ld exports; the page tables
// themselves stay paging.c's business.
//
// Stack guard: the lowest page of the kernel stack area
// [kernel_stack_base, kernel_stack_base + 4 KiB) is left unmapped, so the
// usable stack is kernel_stack_size - 4 KiB (layout.cfg's floor of 8K leaves
// 4 KiB). A push into it faults; the CPU cannot then push the #PF frame on
// the same stack and raises #DF, which runs on its own IST stack (gdt.c) and
// reports. A single frame larger than 4 KiB could still step over the guard.
// Other stacks in the kernel window (the IST stacks, gdt.c) register guard
// pages of their own with protect_add_guard_page.
//
// Intel SDM vol. 3A: 2.5 "Control Registers" (CR0.WP), 4.1.4 "Enumeration
// of Paging Features by CPUID" (CPUID.80000001H:EDX.NX [bit 20]), 4.6
// "Access Rights"; vol. 4, table 2-2 (IA32_EFER.NXE).

#include <stdbool.h>
#include <stdint.h>

#include "arch/cpu_regs.h"
#include "layout.h"
#include "lib/kprintf.h"
#include "mm/protect.h"
#include "mm/pt_core.h"

#define CR0_WP             (1ULL << 16) // ring 0 writes obey read-only pages
#define CPUID_EXT_FEATURES 0x80000001   // extended feature flags leaf
#define CPUID_EXT_MAX      0x80000000   // highest extended leaf, in EAX
#define CPUID_EDX_NX       (1u << 20)   // execute-disable bit available
#define WINDOW_PAGES       PT_ENTRIES   // the one table maps 2 MiB
#define KIB                1024
#define KERNEL_STACK_VIRT  (LAYOUT_KERNEL_VIRT_BASE + LAYOUT_KERNEL_STACK_BASE)
#define GUARD_PAGE_SIZE    PT_PAGE_SIZE
#define MAX_GUARD_PAGES    4

// kernel.ld: each section's bounds, page aligned.
extern char __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[];
extern char __bss_start[], __bss_end[];

static uint64_t nx; // PTE_NX once EFER.NXE is on

// The guard pages: the kernel stack's, then those registered.
static struct guard_page {
  uint64_t va;
  const char *stack;
} guard_pages[MAX_GUARD_PAGES] = {{KERNEL_STACK_VIRT, "kernel stack"}};
static unsigned guard_page_count = 1;
// Names the guard pages of a layer above (the per-CPU stacks, smp/).
static const char *(*guard_lookup)(uint64_t address);

static bool
cpu_has_nx(void)
{
  uint32_t a, b, c, d;

  cpuid(CPUID_EXT_MAX, &a, &b, &c, &d);
  if (a < CPUID_EXT_FEATURES)
    return false;
  cpuid(CPUID_EXT_FEATURES, &a, &b, &c, &d);
  return (d & CPUID_EDX_NX) != 0;
}

void
protect_init(void)
{
  __asm__ volatile("mov %0, %%cr0" : : "r"(cr0_read() | CR0_WP) : "memory");
  if (!cpu_has_nx()) {
    kprintf("[paging] this CPU has no NX (CPUID 0x80000001 EDX bit 20): "
            "going on without it, data pages stay executable\n");
    return;
  }
  msr_write(MSR_IA32_EFER, msr_read(MSR_IA32_EFER) | EFER_NXE);
  nx = PTE_NX;
}

uint64_t
protect_nx(void)
{
  return nx;
}

void
protect_add_guard_page(uint64_t va, const char *stack)
{
  if (guard_page_count == MAX_GUARD_PAGES)
    panic("protect_add_guard_page: more than %d guard pages", MAX_GUARD_PAGES);
  if ((va & (GUARD_PAGE_SIZE - 1)) ||
      va - LAYOUT_KERNEL_VIRT_BASE >= WINDOW_PAGES * PT_PAGE_SIZE)
    panic("protect_add_guard_page: %p is not a page in the kernel window",
          (void *)va);
  guard_pages[guard_page_count++] = (struct guard_page){va, stack};
}

uint64_t
protect_guard_page(unsigned i)
{
  return i < guard_page_count ? guard_pages[i].va : 0;
}

static const struct guard_page *
guard_page_at(uint64_t address)
{
  for (unsigned i = 0; i < guard_page_count; i++)
    if (address - guard_pages[i].va < GUARD_PAGE_SIZE)
      return &guard_pages[i];
  return 0;
}

void
protect_set_guard_lookup(const char *(*lookup)(uint64_t address))
{
  guard_lookup = lookup;
}

const char *
protect_guard_page_stack(uint64_t address)
{
  const struct guard_page *guard = guard_page_at(address);

  if (guard)
    return guard->stack;
  return guard_lookup ? guard_lookup(address) : 0;
}

static bool
inside(uint64_t va, const char *start, const char *end)
{
  return va >= (uint64_t)start && va < (uint64_t)end;
}

// The rights of the page at kernel virtual va.
static uint64_t
rights(uint64_t va)
{
  if (guard_page_at(va))
    return 0;
  if (inside(va, __text_start, __text_end))
    return PTE_PRESENT; // read-only, executable
  if (inside(va, __rodata_start, __rodata_end))
    return PTE_PRESENT | nx;
  // Data, BSS, stack, boot information, page tables, VGA memory, ...
  return PTE_PRESENT | PTE_WRITABLE | nx;
}

void
protect_kernel_window(uint64_t *pt)
{
  if (((uint64_t)__text_start | (uint64_t)__rodata_start |
       (uint64_t)__data_start | (uint64_t)__data_end) &
      (PT_PAGE_SIZE - 1))
    panic("protect_kernel_window: kernel sections not page aligned "
          "(kernel.ld)");
  for (unsigned i = 0; i < WINDOW_PAGES; i++) {
    uint64_t va = LAYOUT_KERNEL_VIRT_BASE + i * PT_PAGE_SIZE;
    uint64_t phys = i * PT_PAGE_SIZE;
    uint64_t r = rights(va);
    pt[i] = r ? phys | r : 0;
  }
  kprintf("[paging] kernel text %p-%p read-only, rodata %p-%p read-only%s, "
          "data+bss writable%s\n",
          (void *)__text_start, (void *)(__text_end - 1),
          (void *)__rodata_start, (void *)(__rodata_end - 1), nx ? " NX" : "",
          nx ? " NX" : "");
  kprintf("[paging] kernel stack %p-%p (%lu KiB usable), guard page at %p "
          "(unmapped: an overflow faults into #DF on its IST stack)\n",
          (void *)(KERNEL_STACK_VIRT + GUARD_PAGE_SIZE),
          (void *)(KERNEL_STACK_VIRT + LAYOUT_KERNEL_STACK_SIZE - 1),
          (uint64_t)((LAYOUT_KERNEL_STACK_SIZE - GUARD_PAGE_SIZE) / KIB),
          (void *)KERNEL_STACK_VIRT);
}
