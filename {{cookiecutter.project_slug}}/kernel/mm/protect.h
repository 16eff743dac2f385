// The kernel image's page protections (see protect.c): write protection
// for ring 0, NX, per-section rights in the kernel window and the guard
// pages below the kernel's stacks.
#ifndef PROTECT_H
#define PROTECT_H

#include <stdbool.h>
#include <stdint.h>

// Turn on CR0.WP (ring 0 writes honour read-only pages) and, when CPUID
// reports it, EFER.NXE; log whether the CPU has NX (without it the kernel
// goes on with every page executable). Call once, from paging_init, before
// protect_kernel_window.
void protect_init(void);

// PTE_NX when EFER.NXE is on, else 0 (bit 63 is reserved without it and
// would fault): OR it into the flags of any page that holds no code.
uint64_t protect_nx(void);

// Set the rights of the 512 entries of `pt`, the page table that maps
// physical [0, 2 MiB) at LAYOUT_KERNEL_VIRT_BASE: kernel text read-only and
// executable, read-only data read-only, the guard pages not present,
// everything else writable and not executable. Does not flush the TLB: the
// caller reloads CR3. Panics if the kernel image is not page aligned.
void protect_kernel_window(uint64_t *pt);

// Leave the page at `va`, in the kernel window, unmapped: the guard page
// below `stack` (its name in fault reports). The lowest page of the kernel
// stack area is one already. Call before paging_init.
void protect_add_guard_page(uint64_t va, const char *stack);

// The i-th guard page (0 is the kernel stack's), or 0 past the last.
uint64_t protect_guard_page(unsigned i);

// The name of the stack whose guard page holds `address` (a fault there is
// that stack overflowing), or NULL. Guard pages outside the kernel window
// (the per-CPU stacks') are named by `lookup`, which a layer above sets.
const char *protect_guard_page_stack(uint64_t address);
void protect_set_guard_lookup(const char *(*lookup)(uint64_t address));

#endif
