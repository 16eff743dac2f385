// The page-table mapper's logic: walking, filling and clearing x86_64
// 4-level tables for 4 KiB pages. It never touches hardware: how a table's
// physical address becomes a pointer, where new tables come from and how
// the TLB is flushed are callbacks, so the host tests run it on tables in
// ordinary memory and the kernel (paging.c) on the live tables.
#ifndef PT_CORE_H
#define PT_CORE_H

#include <stdbool.h>
#include <stdint.h>

// Page-table entry bits, Intel SDM vol. 3A, 4.5 "4-Level Paging", tables
// 4-14 to 4-20.
#define PTE_PRESENT  (1ULL << 0)
#define PTE_WRITABLE (1ULL << 1)
#define PTE_USER     (1ULL << 2)
#define PTE_PWT      (1ULL << 3) // page-level write-through
#define PTE_PCD      (1ULL << 4) // page-level cache disable
#define PTE_LARGE    (1ULL << 7) // PS: this PDPT/PD entry maps 1 GiB/2 MiB
#define PTE_GLOBAL   (1ULL << 8)
#define PTE_NX       (1ULL << 63)
// Bits 51..12: the next table or page.
#define PTE_ADDR_MASK 0x000FFFFFFFFFF000ULL

#define PT_PAGE_SIZE  4096ULL
#define PT_ENTRIES    512 // 8-byte entries in a 4 KiB table
#define PT_LEVELS     4   // PML4 (4), PDPT (3), PD (2), PT (1)
#define PT_INDEX_BITS 9
#define PT_PAGE_SHIFT 12

// A virtual address, as the tables slice it:
//   63..48 sign extension | 47..39 PML4 | 38..30 PDPT | 29..21 PD | 20..12 PT
//   | 11..0 offset
static inline unsigned
pt_index(uint64_t va, int level)
{
  return (va >> (PT_PAGE_SHIFT + PT_INDEX_BITS * (level - 1))) &
         (PT_ENTRIES - 1);
}

enum pt_status {
  PT_OK = 0,
  PT_ERR_NO_MEMORY,  // a table was needed and alloc_table returned 0
  PT_ERR_MAPPED,     // the page is already mapped
  PT_ERR_NOT_MAPPED, // nothing is mapped there
  PT_ERR_LARGE,      // a 2 MiB or 1 GiB page covers the address
  PT_ERR_ALIGN,      // an address is not page aligned
};

struct pt_ops {
  void *ctx;
  // A pointer to the table at physical `phys`, which is the `level` table
  // on the walk for `va` (a recursive mapping needs va and level, a direct
  // map only phys).
  uint64_t *(*table)(void *ctx, uint64_t phys, uint64_t va, int level);
  // A free page for a new table (its contents need not be zero), or 0.
  uint64_t (*alloc_table)(void *ctx);
  // Forget any cached translation for va (INVLPG on hardware).
  void (*invalidate)(void *ctx, uint64_t va);
  // Fill the new table at `phys` with zeros. It is not linked yet, so it
  // cannot be reached through `table`: the CPU must never walk a linked
  // table holding stale entries, not even for an instant.
  void (*zero_table)(void *ctx, uint64_t phys);
};

struct pt {
  uint64_t root; // physical address of the PML4
  struct pt_ops ops;
};

// Map the 4 KiB page at va to phys with `flags` (PTE_PRESENT is added),
// allocating missing intermediate tables (present, writable; each zeroed
// before it is linked). Fails with
// PT_ERR_MAPPED rather than replacing an existing mapping.
enum pt_status pt_map(struct pt *pt, uint64_t va, uint64_t phys,
                      uint64_t flags);

// Remove the 4 KiB mapping at va and return its physical page in *phys (if
// not NULL). Intermediate tables stay, empty or not.
enum pt_status pt_unmap(struct pt *pt, uint64_t va, uint64_t *phys);

// Physical address va translates to (large pages included), or
// PT_ERR_NOT_MAPPED. Allocates nothing.
enum pt_status pt_translate(struct pt *pt, uint64_t va, uint64_t *phys);

// Make sure every table down to the PT for va exists, so a later pt_map of
// a page there allocates nothing.
enum pt_status pt_prepare(struct pt *pt, uint64_t va);

// With PML4[slot] pointing at the PML4 itself, the virtual address of the
// `level` table on the walk for va: the top `level` indices are `slot`, the
// others are va's, shifted down by `level` levels.
uint64_t pt_recursive_table_va(unsigned slot, uint64_t va, int level);

#endif
