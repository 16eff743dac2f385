// Locks for data several CPUs share. A ticket lock serves CPUs in the order
// they arrived, so none starves; waiting CPUs spin on PAUSE. GCC/clang
// __atomic builtins give the ordering: what the holder wrote is seen by the
// next holder. Intel SDM vol. 3A, 8.1 "Locked Atomic Operations" and 8.2
// "Memory Ordering".
//
// Rules: hold a lock briefly and never sleep (there is nothing to sleep on);
// take nested locks in the order FBA, then mm (PMM + page tables), then
// console; never wait for another CPU (a TLB shootdown) while holding an
// rlock, whose waiters spin with interrupts off.
#ifndef SPINLOCK_H
#define SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/cpu_local.h"
#include "arch/cpu_regs.h"
#include "arch/x86.h"

struct spinlock {
  uint32_t next;    // the ticket the next arrival draws
  uint32_t serving; // the ticket that holds the lock
};

// A ticket lock; leaves the interrupt flag alone.
static inline void
spin_lock(struct spinlock *lock)
{
  uint32_t ticket = __atomic_fetch_add(&lock->next, 1, __ATOMIC_RELAXED);

  while (__atomic_load_n(&lock->serving, __ATOMIC_ACQUIRE) != ticket)
    cpu_pause();
}

static inline void
spin_unlock(struct spinlock *lock)
{
  __atomic_store_n(&lock->serving, lock->serving + 1, __ATOMIC_RELEASE);
}

// A recursive lock: the CPU that holds it may take it again (a fault while
// printing may print; page tables come from the PMM, which maps its own
// bitmap). Interrupts stay off while it is held, so a handler on this CPU
// cannot wait for it; the outermost release restores them.
struct rlock {
  struct spinlock lock;
  uint32_t owner; // cpu_index() + 1 of the holder, 0 when free
  uint32_t depth;
  bool interrupts_were_on;
};

static inline void
rlock_take(struct rlock *r)
{
  bool on = rflags_read() & RFLAGS_IF;
  uint32_t me = cpu_index() + 1;

  interrupts_disable();
  // Only this CPU ever stores `me`: if it reads it, it holds the lock.
  if (__atomic_load_n(&r->owner, __ATOMIC_RELAXED) == me) {
    r->depth++;
    return;
  }
  spin_lock(&r->lock);
  __atomic_store_n(&r->owner, me, __ATOMIC_RELAXED);
  r->depth = 1;
  r->interrupts_were_on = on;
}

static inline void
rlock_release(struct rlock *r)
{
  if (--r->depth > 0)
    return;
  bool on = r->interrupts_were_on;
  __atomic_store_n(&r->owner, 0, __ATOMIC_RELAXED);
  spin_unlock(&r->lock);
  if (on)
    interrupts_enable();
}

#endif
