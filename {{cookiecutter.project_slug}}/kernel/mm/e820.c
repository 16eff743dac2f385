// E820 sanitising (see e820.h). BIOSes return entries unsorted, overlapping
// and with odd alignment; the PMM wants disjoint page-aligned usable RAM.
// The method: merge the usable entries into a sorted list, then subtract
// every non-usable entry and every excluded range from it.

#include "mm/e820.h"

static void
record_lost(struct e820_lost *lost, uint64_t bytes)
{
  if (lost) {
    lost->ranges++;
    lost->bytes += bytes;
  }
}

// The entry as [base, end), clamped at the top of the address space.
static struct mem_range
entry_range(const struct e820_entry *entry)
{
  struct mem_range r = {entry->base, entry->base + entry->length};

  if (entry->length > UINT64_MAX - entry->base)
    r.end = UINT64_MAX;
  return r;
}

static void
remove_at(struct mem_range *list, size_t *n, size_t i)
{
  for (size_t j = i; j + 1 < *n; j++)
    list[j] = list[j + 1];
  (*n)--;
}

static void
insert_at(struct mem_range *list, size_t *n, size_t i, struct mem_range r)
{
  for (size_t j = *n; j > i; j--)
    list[j] = list[j - 1];
  list[i] = r;
  (*n)++;
}

// Add r to the sorted, disjoint list, merging it with every range it
// overlaps or touches.
static void
add_usable(struct mem_range *list, size_t *n, size_t max, struct mem_range r,
           struct e820_lost *lost)
{
  size_t i = 0;

  while (i < *n && list[i].end < r.base)
    i++;
  // list[i] is the first range that may touch r; absorb all that do.
  while (i < *n && list[i].base <= r.end) {
    if (list[i].base < r.base)
      r.base = list[i].base;
    if (list[i].end > r.end)
      r.end = list[i].end;
    remove_at(list, n, i);
  }
  if (*n == max) {
    record_lost(lost, r.end - r.base);
    return;
  }
  insert_at(list, n, i, r);
}

// Cut [cut.base, cut.end) out of every range in the list. An empty or
// inverted cut removes nothing (the split below would otherwise leave two
// touching, or for an inverted cut overlapping, ranges).
static void
subtract(struct mem_range *list, size_t *n, size_t max, struct mem_range cut,
         struct e820_lost *lost)
{
  if (cut.end <= cut.base)
    return;
  for (size_t i = 0; i < *n; i++) {
    struct mem_range *r = &list[i];
    if (cut.end <= r->base || cut.base >= r->end)
      continue;
    if (cut.base <= r->base && cut.end >= r->end) {
      remove_at(list, n, i--);
    } else if (cut.base <= r->base) {
      r->base = cut.end;
    } else if (cut.end >= r->end) {
      r->end = cut.base;
    } else {
      // The cut splits r in two. Without room for the upper piece, keep
      // the larger one.
      struct mem_range upper = {cut.end, r->end};
      r->end = cut.base;
      if (*n < max) {
        insert_at(list, n, i + 1, upper);
        i++;
      } else if (upper.end - upper.base > r->end - r->base) {
        record_lost(lost, r->end - r->base);
        *r = upper;
      } else {
        record_lost(lost, upper.end - upper.base);
      }
    }
  }
}

static uint64_t
align_up(uint64_t value)
{
  if (value > UINT64_MAX - (E820_PAGE_SIZE - 1))
    return UINT64_MAX & ~(E820_PAGE_SIZE - 1);
  return (value + E820_PAGE_SIZE - 1) & ~(E820_PAGE_SIZE - 1);
}

// Shrink each range to whole pages; drop those with none left.
static void
align_inward(struct mem_range *list, size_t *n)
{
  for (size_t i = 0; i < *n; i++) {
    list[i].base = align_up(list[i].base);
    list[i].end &= ~(E820_PAGE_SIZE - 1);
    if (list[i].end <= list[i].base)
      remove_at(list, n, i--);
  }
}

size_t
e820_sanitise(const struct e820_entry *in, size_t count,
              const struct mem_range *exclude, size_t exclude_count,
              struct mem_range *out, size_t max_out, struct e820_lost *lost)
{
  size_t n = 0;

  if (lost)
    *lost = (struct e820_lost){0, 0};
  for (size_t i = 0; i < count; i++) {
    if (in[i].type == E820_TYPE_USABLE && in[i].length != 0)
      add_usable(out, &n, max_out, entry_range(&in[i]), lost);
  }
  for (size_t i = 0; i < count; i++) {
    if (in[i].type != E820_TYPE_USABLE && in[i].length != 0)
      subtract(out, &n, max_out, entry_range(&in[i]), lost);
  }
  for (size_t i = 0; i < exclude_count; i++)
    subtract(out, &n, max_out, exclude[i], lost);
  align_inward(out, &n);
  return n;
}

uint64_t
mem_ranges_bytes(const struct mem_range *ranges, size_t count)
{
  uint64_t total = 0;

  for (size_t i = 0; i < count; i++)
    total += ranges[i].end - ranges[i].base;
  return total;
}
