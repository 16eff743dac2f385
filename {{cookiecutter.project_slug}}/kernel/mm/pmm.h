// The physical memory manager: 4 KiB pages of usable RAM above 2 MiB. Its
// logic is in pmm_core.c; pmm.c builds it from the E820 map and keeps its
// structures in the PMM area.
// Locking: mm_lock (mm/mm_lock.h), taken inside; callable from any CPU.
#ifndef PMM_H
#define PMM_H

#include <stdint.h>

#include "bootinfo.h"
#include "mm/pmm_core.h"

// Sanitise the E820 map in info and log it; from then on pmm_alloc_page
// carves pages off the top of RAM (for paging_init). Panics ("pmm_init: not
// enough memory: ...") when less usable RAM than PMM_MIN_RAM (pmm.c) lies
// above the first 2 MiB.
void pmm_early_init(const struct boot_info *info);

// Build the PMM in the PMM area, bootstrapped from the three PMM bootstrap
// pages. Needs pmm_early_init and paging_init first. Cost grows with the
// number of E820 ranges, plus one page-table walk per 64 GiB of physical
// address space (the bitmap's tables), not with the amount of RAM.
void pmm_init(void);

// A free physical page (contents undefined), or 0 when RAM is exhausted
// (the first 0 after a free logs "[pmm] out of memory"). O(1). Before pmm_init
// has finished, hands out pages carved off the top of the highest usable range
// (and, once pmm_init has begun, the PMM bootstrap table pages first); those
// belong to the kernel for good and can never be freed.
uint64_t pmm_alloc_page(void);

// Give back a page from pmm_alloc_page, in O(log regions). Panics
// ("pmm_free: double free at ...") on a double free (a page the PMM did not
// hand out, its own storage included), an unaligned address, or a page that
// was never usable RAM.
void pmm_free_page(uint64_t phys);

// pmm_free_page without the panic: the status says what was wrong (nothing
// changes unless PMM_OK). For self-tests.
enum pmm_status pmm_try_free_page(uint64_t phys);

// Usable RAM the machine has (the sanitised E820 map, first 2 MiB included),
// pages the PMM manages, and pages free now, in bytes.
uint64_t pmm_ram_bytes(void);
uint64_t pmm_managed_bytes(void);
uint64_t pmm_free_bytes(void);

#endif
