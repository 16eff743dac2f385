// mmio_map: puts device registers and firmware tables into the kernel's
// address space, on top of the page-table mapper (paging.c).
//
// Unlike paging_map, which treats a remap as a bug, mmio_map replaces what
// is there: the ACPI area is reused for one table after another. The
// physical pages behind a replaced mapping are firmware or device memory,
// never PMM pages, so nothing is freed.
// Intel SDM vol. 3A, 4.5 "4-Level Paging" (table 4-19: PTE bits) and
// 12.12 "Memory type range registers": PCD|PWT gives UC for device memory.

#include <stdint.h>

#include "arch/cpu_regs.h"
#include "dev/mmio.h"
#include "lib/kprintf.h"
#include "mm/paging.h"

static uint64_t
leaf_flags(unsigned flags)
{
  uint64_t pte = 0;

  if (flags & MMIO_WRITABLE)
    pte |= PTE_WRITABLE;
  if (flags & MMIO_UNCACHED)
    pte |= PTE_PCD | PTE_PWT;
  if ((flags & MMIO_NO_EXEC) && (msr_read(MSR_IA32_EFER) & EFER_NXE))
    pte |= PTE_NX; // without EFER.NXE bit 63 is reserved and would fault
  return pte;
}

volatile void *
mmio_map(uint64_t virt, uint64_t phys, uint64_t pages, unsigned flags)
{
  // Allocate every table first, so a failure leaves nothing half mapped.
  for (uint64_t i = 0; i < pages; i++) {
    if (paging_prepare(virt + i * PT_PAGE_SIZE) != 0) {
      kprintf("[mmio] no memory for the page tables of %p\n",
              (void *)(virt + i * PT_PAGE_SIZE));
      return 0;
    }
  }
  for (uint64_t i = 0; i < pages; i++) {
    uint64_t page = virt + i * PT_PAGE_SIZE;
    if (paging_translate(page, 0))
      paging_unmap(page); // firmware or device memory: not ours to free
    if (paging_map(page, phys + i * PT_PAGE_SIZE, leaf_flags(flags)) != 0)
      return 0; // cannot happen after paging_prepare; kept for the contract
  }
  return (volatile void *)virt;
}
