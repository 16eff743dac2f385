// Installing the AP trampoline (see trampoline.h). The trampoline's memory
// lies in the first 2 MiB, which the kernel window maps writable; the
// layout rules keep it clear of everything the kernel still uses.
// Intel SDM vol. 3A, 9.8.5 "Initializing IA-32e Mode".

#include <stdint.h>

#include "arch/cpu_regs.h"
#include "layout.h"
#include "lib/kprintf.h"
#include "mm/pt_core.h"
#include "smp/trampoline.h"

#define EFER_LME          (1ull << 8) // long mode enable
#define PML4_FIRST_KERNEL 256         // entries 256..511: the upper half
#define PAGE_SHIFT        12

extern const uint8_t smp_trampoline_image[], smp_trampoline_image_end[];
extern const char smp_ap_entry[];

static uint64_t *
low_page(uint64_t phys)
{
  return (uint64_t *)(LAYOUT_KERNEL_VIRT_BASE + phys);
}

static void
zero_page(uint64_t *page)
{
  for (unsigned i = 0; i < PT_ENTRIES; i++)
    page[i] = 0;
}

// PML4 -> PDPT -> PD whose entry 0 maps [0, 2 MiB) with one large page,
// plus the kernel's upper half, read through the recursive slot.
static void
build_tables(void)
{
  uint64_t *pml4 = low_page(TRAMPOLINE_PML4), *pdpt = low_page(TRAMPOLINE_PDPT),
           *pd = low_page(TRAMPOLINE_PD);
  const uint64_t *kernel_pml4 =
      (const uint64_t *)pt_recursive_table_va(LAYOUT_PAGE_TABLE_SLOT, 0, 4);

  zero_page(pml4);
  zero_page(pdpt);
  zero_page(pd);
  pml4[0] = TRAMPOLINE_PDPT | PTE_PRESENT | PTE_WRITABLE;
  pdpt[0] = TRAMPOLINE_PD | PTE_PRESENT | PTE_WRITABLE;
  pd[0] = 0 | PTE_PRESENT | PTE_WRITABLE | PTE_LARGE;
  for (unsigned i = PML4_FIRST_KERNEL; i < PT_ENTRIES; i++)
    pml4[i] = kernel_pml4[i];
}

uint8_t
trampoline_install(void)
{
  uint64_t size = smp_trampoline_image_end - smp_trampoline_image;
  uint8_t *code = (uint8_t *)low_page(LAYOUT_SMP_TRAMPOLINE);

  if (size > PT_PAGE_SIZE)
    panic("trampoline_install: %lu bytes do not fit a page", size);
  for (uint64_t i = 0; i < size; i++)
    code[i] = smp_trampoline_image[i];
  struct trampoline_args *args =
      (struct trampoline_args *)(code + TRAMPOLINE_ARGS_OFFSET);
  args->entry = (uint64_t)smp_ap_entry;
  args->cr0 = (uint32_t)cr0_read();
  args->cr4 = (uint32_t)cr4_read();
  args->efer = (uint32_t)(msr_read(MSR_IA32_EFER) & (EFER_LME | EFER_NXE));
  build_tables();
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  kprintf("[smp] trampoline: %lu bytes at 0x%lx, tables at 0x%lx-0x%lx\n", size,
          (uint64_t)LAYOUT_SMP_TRAMPOLINE, (uint64_t)TRAMPOLINE_PML4,
          (uint64_t)(TRAMPOLINE_PD + PT_PAGE_SIZE - 1));
  return LAYOUT_SMP_TRAMPOLINE >> PAGE_SHIFT;
}
