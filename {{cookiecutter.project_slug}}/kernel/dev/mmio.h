#ifndef MMIO_H
#define MMIO_H

#include <stdbool.h>
#include <stdint.h>

// Mapping flags for mmio_map.
#define MMIO_WRITABLE (1u << 0)
#define MMIO_UNCACHED (1u << 1) // PCD|PWT: device registers, never cached
#define MMIO_NO_EXEC  (1u << 2) // applied when EFER.NXE is on

// Program the PAT so that MMIO_UNCACHED (PCD|PWT) means UC whatever the
// firmware left in it, and log it. Call once, before the first mmio_map,
// with interrupts off.
void mmio_init(void);

// Whether PCD|PWT selects UC now (for self-tests).
bool mmio_uncached_type(void);

// Map `pages` 4 KiB pages of physical memory at `phys` to virtual `virt`
// (both page aligned), replacing what was there, and flush the TLB for them.
// Returns virt as a pointer, or 0 when a page table cannot be reached or
// allocated (then nothing new is mapped). Boot time, one CPU.
volatile void *mmio_map(uint64_t virt, uint64_t phys, uint64_t pages,
                        unsigned flags);

// Registers are read and written only through these two, with one 32-bit
// access each (the local APIC requires aligned 32-bit accesses).
static inline uint32_t
mmio_read32(volatile void *base, uint32_t offset)
{
  return *(volatile uint32_t *)((volatile uint8_t *)base + offset);
}

static inline void
mmio_write32(volatile void *base, uint32_t offset, uint32_t value)
{
  *(volatile uint32_t *)((volatile uint8_t *)base + offset) = value;
}

#endif
