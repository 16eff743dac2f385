// mmio_map: puts device registers and firmware tables into the kernel's
// address space, on top of the page-table mapper (paging.c).
//
// Unlike paging_map, which treats a remap as a bug, mmio_map replaces what
// is there: the ACPI area is reused for one table after another. The
// physical pages behind a replaced mapping are firmware or device memory,
// never PMM pages, so nothing is freed.
// Intel SDM vol. 3A, 4.5 "4-Level Paging" (table 4-19: PTE bits), 11.12
// "Page Attribute Table": PAT, PCD and PWT of a PTE select one of eight PAT
// entries, and the PAT MSR says which memory type each entry is. PCD|PWT
// selects entry 3, which is UC after reset, but firmware (or an earlier
// OS) may have reprogrammed the PAT, so mmio_init sets it to the reset
// value. UC in the PAT is UC whatever the MTRRs say (table 11-7).

#include <stdbool.h>
#include <stdint.h>

#include "arch/cpu_regs.h"
#include "dev/mmio.h"
#include "lib/kprintf.h"
#include "mm/paging.h"

#define CPUID1_EDX_PAT (1u << 16)
// Memory types in the PAT (SDM table 11-10), one byte per entry.
#define PAT_UC             0x00
#define PAT_WT             0x04
#define PAT_WB             0x06
#define PAT_UC_MINUS       0x07
#define PAT_ENTRY(i, type) ((uint64_t)(type) << ((i)*8))
// The reset value (WB, WT, UC-, UC, twice): the kernel's PTEs use entry 0
// (no PCD, PWT, PAT bits) for memory and entry 3 (PCD|PWT) for devices.
#define PAT_KERNEL                                                             \
  (PAT_ENTRY(0, PAT_WB) | PAT_ENTRY(1, PAT_WT) | PAT_ENTRY(2, PAT_UC_MINUS) |  \
   PAT_ENTRY(3, PAT_UC) | PAT_ENTRY(4, PAT_WB) | PAT_ENTRY(5, PAT_WT) |        \
   PAT_ENTRY(6, PAT_UC_MINUS) | PAT_ENTRY(7, PAT_UC))
#define PAT_ENTRY_MMIO 3 // PCD|PWT

// Flush every TLB entry, global ones too: toggling CR4.PGE does that.
static void
tlb_flush_all(void)
{
  uint64_t cr4 = cr4_read();

  if (cr4 & CR4_PGE) {
    cr4_write(cr4 & ~CR4_PGE);
    cr4_write(cr4);
  } else {
    cr3_write(cr3_read());
  }
}

// Change the PAT as SDM 11.11.8 says for a change of memory types: caches
// off and empty and no stale translations while it changes. One CPU,
// interrupts off (boot).
static void
pat_write(uint64_t value)
{
  uint64_t cr0 = cr0_read();

  cr0_write((cr0 | CR0_CD) & ~CR0_NW);
  wbinvd();
  tlb_flush_all();
  msr_write(MSR_IA32_PAT, value);
  wbinvd();
  tlb_flush_all();
  cr0_write(cr0);
}

void
mmio_init(void)
{
  uint32_t a, b, c, edx;

  cpuid(1, &a, &b, &c, &edx);
  if (!(edx & CPUID1_EDX_PAT)) {
    kprintf("[mmio] no PAT: PCD|PWT mappings are uncached\n");
    return;
  }
  uint64_t found = msr_read(MSR_IA32_PAT);
  if (found != PAT_KERNEL)
    pat_write(PAT_KERNEL);
  kprintf("[mmio] PAT 0x%lx%s: PCD|PWT mappings are uncached\n", PAT_KERNEL,
          found == PAT_KERNEL ? " (as found)" : " (set; was different)");
  if (found != PAT_KERNEL)
    kprintf("[mmio] the firmware had left PAT 0x%lx\n", found);
}

bool
mmio_uncached_type(void)
{
  uint32_t a, b, c, edx;

  cpuid(1, &a, &b, &c, &edx);
  if (!(edx & CPUID1_EDX_PAT))
    return true;
  return ((msr_read(MSR_IA32_PAT) >> (PAT_ENTRY_MMIO * 8)) & 0xFF) == PAT_UC;
}

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
