// The fixed-block allocator: 4 KiB blocks in the FBA area (layout.cfg),
// backed by PMM pages while allocated. Its logic is in fba_core.c.
// Locking: fba_lock, taken inside, then mm_lock; callable from any CPU
// with interrupts on (a free flushes other CPUs' TLBs).
#ifndef FBA_H
#define FBA_H

#include <stddef.h>

#include "mm/fba_core.h"

// Map and clear the bitmap blocks at the start of the FBA area. Needs the
// PMM and paging.
void fba_init(void);

// One block, or NULL when the area or RAM is exhausted (the first NULL
// after a free logs "[fba] out of blocks" or "[fba] out of memory").
void *fba_alloc_block(void);

// `count` contiguous blocks, or NULL when no run that long is free or RAM
// runs out (nothing stays allocated then).
void *fba_alloc_blocks(size_t count);

// Free blocks from fba_alloc_block(s); their pages go back to the PMM.
// Panics ("fba_free: ...") if any block in the run is not allocated.
void fba_free_block(void *block);
void fba_free_blocks(void *block, size_t count);

// Blocks allocated now (the bitmap not counted).
size_t fba_used_blocks(void);

#endif
