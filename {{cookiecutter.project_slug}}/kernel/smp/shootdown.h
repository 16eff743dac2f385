// TLB shootdown: after a page is unmapped, the other CPUs may still hold
// its translation in their TLBs; an IPI makes each flush it before the
// page can be reused. Intel SDM vol. 3A, 4.10.5 "Propagation of Paging-
// Structure Changes to Multiple Processors".
#ifndef SHOOTDOWN_H
#define SHOOTDOWN_H

#include <stdint.h>

// Install the IPI handler and become paging_unmap's remote flush.
void shootdown_init(void);

// Flush va from every other online CPU's TLB and wait until all have.
// Locking: shootdown_lock inside; call with interrupts on and no rlock
// held (the other CPUs must be able to take the IPI). Panics if a CPU does
// not answer within two seconds.
void tlb_shootdown(uint64_t va);

// Shootdowns done since boot (for tests).
uint64_t shootdown_count(void);

#endif
