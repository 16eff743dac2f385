// The fixed-block allocator's logic: 4 KiB blocks in a virtual area, one
// bit per block in a bitmap held in the area's first blocks. Backing a
// block with memory (and releasing it) is a callback, so the host tests run
// it in ordinary memory and the kernel (fba.c) with PMM pages.
#ifndef FBA_CORE_H
#define FBA_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FBA_BLOCK_SIZE              4096ULL
#define FBA_BITS_PER_WORD           64
#define FBA_BLOCKS_PER_BITMAP_BLOCK (FBA_BLOCK_SIZE * 8) // bits in a block

enum fba_status {
  FBA_OK = 0,
  FBA_ERR_RANGE,         // the address is outside the allocatable blocks
  FBA_ERR_ALIGN,         // the address is not at the start of a block
  FBA_ERR_NOT_ALLOCATED, // a block in the run is not allocated
  FBA_ERR_NO_MEMORY,     // the bitmap blocks could not be backed
};

struct fba_ops {
  void *ctx;
  // Back the block at va with memory; false when none is left.
  bool (*back)(void *ctx, uintptr_t va);
  // Give the memory behind the block at va back.
  void (*release)(void *ctx, uintptr_t va);
};

struct fba {
  uintptr_t base;
  size_t blocks;      // in the whole area, bitmap blocks included
  size_t meta_blocks; // blocks at the start that hold the bitmap
  size_t used;        // blocks allocated (not counting the bitmap)
  size_t hint;        // search starts here: no free block lies below it
  uint64_t *bitmap;   // bit n set: block n allocated
  struct fba_ops ops;
};

// Blocks needed for the bitmap of an area of `size` bytes.
size_t fba_core_meta_blocks(uint64_t size);

// Set up an allocator over [base, base + size) (size a multiple of the
// block): backs and zeroes the bitmap blocks and marks them allocated.
enum fba_status fba_core_init(struct fba *fba, uintptr_t base, uint64_t size,
                              const struct fba_ops *ops);

// Allocate `count` contiguous, backed blocks (first fit). Returns the first
// block's address, or NULL when no run is free or backing failed (nothing
// stays allocated then).
void *fba_core_alloc(struct fba *fba, size_t count);

// Free `count` blocks starting at block, returning their memory. Refused,
// changing nothing, unless every block in the run is allocated.
enum fba_status fba_core_free(struct fba *fba, void *block, size_t count);

#endif
