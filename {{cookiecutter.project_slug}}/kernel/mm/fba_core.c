// The fixed-block allocator's logic (see fba_core.h). Searches are first
// fit over the bitmap, skipping full 64-bit words; `hint` is the lowest
// block that may be free, so single-block allocation is cheap while the
// area fills from the bottom.

#include "mm/fba_core.h"

#define FULL_WORD (~0ULL)
#define NOT_FOUND ((size_t)-1)

static bool
bit_test(const struct fba *fba, size_t n)
{
  return (fba->bitmap[n / FBA_BITS_PER_WORD] >> (n % FBA_BITS_PER_WORD)) & 1;
}

static void
bit_set(struct fba *fba, size_t n, bool value)
{
  uint64_t mask = 1ULL << (n % FBA_BITS_PER_WORD);

  if (value)
    fba->bitmap[n / FBA_BITS_PER_WORD] |= mask;
  else
    fba->bitmap[n / FBA_BITS_PER_WORD] &= ~mask;
}

static uintptr_t
block_va(const struct fba *fba, size_t n)
{
  return fba->base + n * FBA_BLOCK_SIZE;
}

size_t
fba_core_meta_blocks(uint64_t size)
{
  uint64_t blocks = size / FBA_BLOCK_SIZE;

  return (blocks + FBA_BLOCKS_PER_BITMAP_BLOCK - 1) /
         FBA_BLOCKS_PER_BITMAP_BLOCK;
}

enum fba_status
fba_core_init(struct fba *fba, uintptr_t base, uint64_t size,
              const struct fba_ops *ops)
{
  *fba = (struct fba){0};
  fba->base = base;
  fba->blocks = size / FBA_BLOCK_SIZE;
  fba->meta_blocks = fba_core_meta_blocks(size);
  fba->bitmap = (uint64_t *)base;
  fba->ops = *ops;
  for (size_t i = 0; i < fba->meta_blocks; i++) {
    if (!ops->back(ops->ctx, block_va(fba, i))) {
      while (i-- > 0)
        ops->release(ops->ctx, block_va(fba, i));
      return FBA_ERR_NO_MEMORY;
    }
  }
  size_t words = fba->meta_blocks * FBA_BLOCK_SIZE / sizeof(uint64_t);
  for (size_t i = 0; i < words; i++)
    fba->bitmap[i] = 0;
  for (size_t i = 0; i < fba->meta_blocks; i++)
    bit_set(fba, i, true);
  // Blocks past the end of the area (in the bitmap's last word) never exist.
  for (size_t i = fba->blocks; i % FBA_BITS_PER_WORD; i++)
    bit_set(fba, i, true);
  fba->hint = fba->meta_blocks;
  return FBA_OK;
}

// First run of `count` free blocks at or after `from`, or NOT_FOUND.
static size_t
find_run(const struct fba *fba, size_t from, size_t count)
{
  size_t run = 0;

  for (size_t i = from; i < fba->blocks; i++) {
    if (i % FBA_BITS_PER_WORD == 0 &&
        fba->bitmap[i / FBA_BITS_PER_WORD] == FULL_WORD) {
      run = 0;
      i += FBA_BITS_PER_WORD - 1; // the loop adds the last one
      continue;
    }
    if (bit_test(fba, i)) {
      run = 0;
      continue;
    }
    if (++run == count)
      return i + 1 - count;
  }
  return NOT_FOUND;
}

// Back blocks [first, first + count); on failure release what was backed.
static bool
back_run(struct fba *fba, size_t first, size_t count)
{
  for (size_t i = 0; i < count; i++) {
    if (!fba->ops.back(fba->ops.ctx, block_va(fba, first + i))) {
      while (i-- > 0)
        fba->ops.release(fba->ops.ctx, block_va(fba, first + i));
      return false;
    }
  }
  return true;
}

void *
fba_core_alloc(struct fba *fba, size_t count)
{
  if (count == 0 || count > fba->blocks - fba->meta_blocks)
    return NULL;
  size_t first = find_run(fba, fba->hint, count);
  if (first == NOT_FOUND || !back_run(fba, first, count))
    return NULL;
  for (size_t i = first; i < first + count; i++)
    bit_set(fba, i, true);
  if (first == fba->hint)
    fba->hint = first + count;
  fba->used += count;
  return (void *)block_va(fba, first);
}

enum fba_status
fba_core_free(struct fba *fba, void *block, size_t count)
{
  uintptr_t va = (uintptr_t)block;

  if (va < block_va(fba, fba->meta_blocks) || va >= block_va(fba, fba->blocks))
    return FBA_ERR_RANGE;
  if ((va - fba->base) % FBA_BLOCK_SIZE)
    return FBA_ERR_ALIGN;
  size_t first = (va - fba->base) / FBA_BLOCK_SIZE;
  if (count == 0 || count > fba->blocks - first)
    return FBA_ERR_RANGE;
  for (size_t i = first; i < first + count; i++)
    if (!bit_test(fba, i))
      return FBA_ERR_NOT_ALLOCATED;
  for (size_t i = first; i < first + count; i++) {
    fba->ops.release(fba->ops.ctx, block_va(fba, i));
    bit_set(fba, i, false);
  }
  if (first < fba->hint)
    fba->hint = first;
  fba->used -= count;
  return FBA_OK;
}
