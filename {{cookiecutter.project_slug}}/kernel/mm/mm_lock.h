// The memory manager's lock. The PMM and the page tables call each other
// (new tables come from the PMM; the PMM maps its own bitmap pages), so one
// recursive lock guards both; pmm.c and paging.c take it in every entry
// point that reads or changes their state.
#ifndef MM_LOCK_H
#define MM_LOCK_H

#include "arch/spinlock.h"

extern struct rlock mm_lock; // defined in pmm.c

#endif
