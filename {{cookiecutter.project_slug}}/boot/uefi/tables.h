// The initial page tables, the same four stage2 builds.

#ifndef UEFI_TABLES_H
#define UEFI_TABLES_H

#include <stdint.h>

#define TABLES_PAGE_SIZE 4096
#define TABLES_ENTRIES   512

// Fill four zeroed-out pages at `tables` (PML4, PDPT, PD, PT, in that
// order), which sit at physical address tables_phys, so that physical
// [0, 2 MiB) is mapped with 4 KiB pages both at virtual 0 and at
// kernel_virt_base (2 MiB aligned). The identity half keeps the handoff
// code running when CR3 changes; the kernel drops it (kernel/mm/paging.c).
// Pure: it only writes the pages, so host tests can check it.
void tables_build(uint64_t (*tables)[TABLES_ENTRIES], uint64_t tables_phys,
                  uint64_t kernel_virt_base);

#endif
