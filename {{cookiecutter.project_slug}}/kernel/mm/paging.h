// Kernel page tables: mapping and unmapping 4 KiB pages in kernel space,
// and the page-fault hook. The logic lives in pt_core.c; paging.c is the
// glue to the live tables.
// Locking: mm_lock (mm/mm_lock.h), taken inside; callable from any CPU.
#ifndef PAGING_H
#define PAGING_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/pt_core.h" // PTE_* flags for paging_map

// Build the kernel's own page tables from PMM pages and load them: the
// kernel window (physical [0, 4 MiB) at the kernel base, with the kernel
// image's rights and the stack's guard page, protect.c) and the recursive
// PML4 slot; no identity map. Stage2's tables are never used again. Turns
// on NX (when the CPU has it) and write protection. Needs pmm_early_init
// first (the tables come from pmm_alloc_page); call before anything else
// maps pages.
void paging_init(void);

// Map the page at kernel virtual va to phys with PTE_* `flags` (present is
// implied; so is PTE_NX when the CPU has NX: these pages hold no code). Missing
// tables come from the PMM. Returns 0, or -1 when a table could not be
// allocated. Panics on a user-half or unaligned address, or if va is already
// mapped (remap is a bug). Does not zero the page.
int paging_map(uint64_t va, uint64_t phys, uint64_t flags);

// Unmap the page at va and return the physical page it mapped (the caller
// owns it). Panics if nothing is mapped there. Tables are not freed.
uint64_t paging_unmap(uint64_t va);

// Whether va is mapped; if so and phys is not NULL, *phys is its physical
// address.
bool paging_translate(uint64_t va, uint64_t *phys);

// Allocate the tables that mapping a page at va will need, so that the
// mapping itself allocates nothing. Returns 0, or -1 out of memory.
int paging_prepare(uint64_t va);

// Called by the page-fault handler. With automap enabled in layout.cfg, a
// not-present fault inside the automap area gets a fresh zeroed page and
// true (resume), unless it happens while another automap fault is being
// handled. Otherwise false: the caller reports and halts.
bool paging_handle_fault(uint64_t address, uint64_t error_code);

// Install the function that flushes a page from the other CPUs' TLBs
// (smp/shootdown.c); paging_unmap calls it after its own flush.
void paging_set_remote_flush(void (*flush)(uint64_t va));

// Base of a 512 GiB region of kernel space that no layout region and no
// page-table machinery uses: scratch space for self-tests.
uint64_t paging_scratch_region(void);

#endif
