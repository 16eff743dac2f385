// libFuzzer harness for the E820 sanitiser (kernel/e820.c). The input is
// turned into an E820 map and exclusion ranges, sanitised twice as pmm.c
// does (without exclusions for the RAM total, then with them), and every
// promise of e820.h is checked; a broken one is a crash (__builtin_trap).
// The checks compare with a slow model that decides every elementary
// interval on its own, so they judge the result, not just "no crash".
//
// Input layout (little endian; tests/fuzz/seeds.py writes valid ones):
//   byte 0        output capacity: 0 means the kernel's 512, else 1..255
//   byte 1        extra exclusion ranges, modulo 9 (after [0, 2 MiB))
//   16 bytes each the extra exclusions: u64 base, u64 end (any values)
//   24 bytes each E820 entries as the BIOS returns them (any values)

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mm/e820.c"

#define KERNEL_MAX_OUT 512      // PMM_MAX_RANGES in pmm.c
#define LOW_RESERVED   0x200000 // pmm.c excludes [0, 2 MiB) first
#define MAX_EXCLUDE    8
#define MAX_ENTRIES    340 // a little more than the E820 buffer holds
#define PAGE           E820_PAGE_SIZE

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond))                                                               \
      __builtin_trap();                                                        \
  } while (0)

struct map {
  struct e820_entry entries[MAX_ENTRIES];
  size_t count;
  struct mem_range exclude[1 + MAX_EXCLUDE];
  size_t exclude_count;
  size_t max_out;
};

static uint64_t
load_u64(const uint8_t *bytes)
{
  uint64_t value;
  memcpy(&value, bytes, sizeof(value));
  return value;
}

static void
decode(const uint8_t *data, size_t size, struct map *m)
{
  memset(m, 0, sizeof(*m));
  m->max_out = size > 0 && data[0] ? data[0] : KERNEL_MAX_OUT;
  size_t extra = size > 1 ? data[1] % (MAX_EXCLUDE + 1) : 0;
  size_t at = size < 2 ? size : 2;

  m->exclude[m->exclude_count++] = (struct mem_range){0, LOW_RESERVED};
  for (size_t i = 0; i < extra && at + 16 <= size; i++, at += 16)
    m->exclude[m->exclude_count++] =
        (struct mem_range){load_u64(data + at), load_u64(data + at + 8)};
  for (; m->count < MAX_ENTRIES && at + E820_ENTRY_SIZE <= size;
       at += E820_ENTRY_SIZE)
    memcpy(&m->entries[m->count++], data + at, E820_ENTRY_SIZE);
}

// ---- the model -----------------------------------------------------------
// What e820.h promises, computed the slow way: cut the address space at
// every boundary, keep each elementary interval that some usable entry
// covers and no other entry and no exclusion touches, join neighbours,
// align inward. Entries are clamped at the top of the address space, as
// e820.c does; empty or inverted exclusions exclude nothing.

static bool
counts(const struct e820_entry *e)
{
  return e->length != 0; // the attribute word is ignored, as in e820.c
}

static struct mem_range
clamped(const struct e820_entry *e)
{
  uint64_t end =
      e->length > UINT64_MAX - e->base ? UINT64_MAX : e->base + e->length;
  return (struct mem_range){e->base, end};
}

static bool
inside(struct mem_range r, uint64_t point)
{
  return r.base <= point && point < r.end;
}

static int
compare_u64(const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

// Is the elementary interval starting at `point` kept?
static bool
model_keeps(const struct map *m, bool with_exclude, uint64_t point)
{
  bool usable = false;

  for (size_t i = 0; i < m->count; i++) {
    const struct e820_entry *e = &m->entries[i];
    if (!counts(e) || !inside(clamped(e), point))
      continue;
    if (e->type != E820_TYPE_USABLE)
      return false;
    usable = true;
  }
  for (size_t i = 0; with_exclude && i < m->exclude_count; i++)
    if (inside(m->exclude[i], point))
      return false;
  return usable;
}

static void
model_add(struct mem_range *out, size_t *n, uint64_t base, uint64_t end)
{
  if (base > UINT64_MAX - (PAGE - 1))
    return; // no whole page starts at or above base
  base = (base + PAGE - 1) & ~(PAGE - 1);
  end &= ~(PAGE - 1);
  if (base < end)
    out[(*n)++] = (struct mem_range){base, end};
}

// The model's result; out needs room for 2 * (count + exclude_count) + 1.
static size_t
model(const struct map *m, bool with_exclude, struct mem_range *out)
{
  static uint64_t points[2 * (MAX_ENTRIES + 1 + MAX_EXCLUDE)];
  size_t np = 0, n = 0;
  bool open = false;
  uint64_t start = 0;

  for (size_t i = 0; i < m->count; i++) {
    points[np++] = clamped(&m->entries[i]).base;
    points[np++] = clamped(&m->entries[i]).end;
  }
  for (size_t i = 0; with_exclude && i < m->exclude_count; i++) {
    points[np++] = m->exclude[i].base;
    points[np++] = m->exclude[i].end;
  }
  qsort(points, np, sizeof(points[0]), compare_u64);
  for (size_t i = 0; i < np; i++) {
    if (i > 0 && points[i] == points[i - 1])
      continue;
    bool keep = i + 1 < np && model_keeps(m, with_exclude, points[i]);
    if (keep && !open)
      start = points[i];
    else if (!keep && open)
      model_add(out, &n, start, points[i]);
    open = keep;
  }
  return n;
}

// ---- the checks ----------------------------------------------------------

static bool
overlaps(struct mem_range a, struct mem_range b)
{
  return a.base < a.end && b.base < b.end && a.base < b.end && b.base < a.end;
}

// Every byte of r lies in some counted usable entry.
static bool
covered_by_usable(const struct map *m, struct mem_range r)
{
  uint64_t at = r.base;

  while (at < r.end) {
    uint64_t reach = at;
    for (size_t i = 0; i < m->count; i++) {
      const struct e820_entry *e = &m->entries[i];
      if (counts(e) && e->type == E820_TYPE_USABLE && inside(clamped(e), at) &&
          clamped(e).end > reach)
        reach = clamped(e).end;
    }
    if (reach == at)
      return false;
    at = reach;
  }
  return true;
}

// The promises of e820.h that hold whether or not the output was big enough.
static void
check_shape(const struct map *m, bool with_exclude, const struct mem_range *out,
            size_t n, const struct e820_lost *lost)
{
  CHECK(n <= m->max_out);
  CHECK(lost->ranges != 0 || lost->bytes == 0);
  for (size_t i = 0; i < n; i++) {
    struct mem_range r = out[i];
    CHECK(r.base < r.end);
    CHECK(r.base % PAGE == 0 && r.end % PAGE == 0);
    // Sorted, disjoint, and not touching: a cut always costs a page.
    CHECK(i == 0 || out[i - 1].end < r.base);
    CHECK(covered_by_usable(m, r));
    for (size_t j = 0; j < m->count; j++)
      if (counts(&m->entries[j]) && m->entries[j].type != E820_TYPE_USABLE)
        CHECK(!overlaps(r, clamped(&m->entries[j])));
    for (size_t j = 0; with_exclude && j < m->exclude_count; j++)
      CHECK(!overlaps(r, m->exclude[j]));
    if (with_exclude)
      CHECK(r.base >= LOW_RESERVED);
  }
}

// Sanitise with or without the exclusions and check the result; returns
// the number of ranges, written to out (exactly max_out long, on the heap,
// so ASan sees a write past its end).
static size_t
run(const struct map *m, bool with_exclude, struct mem_range *out)
{
  static struct mem_range expect[2 * (MAX_ENTRIES + 1 + MAX_EXCLUDE) + 1];
  struct e820_lost lost;
  size_t n = e820_sanitise(
      m->entries, m->count, with_exclude ? m->exclude : NULL,
      with_exclude ? m->exclude_count : 0, out, m->max_out, &lost);

  check_shape(m, with_exclude, out, n, &lost);
  uint64_t total = mem_ranges_bytes(out, n);
  size_t expect_n = model(m, with_exclude, expect);
  CHECK(total <= mem_ranges_bytes(expect, expect_n));
  if (lost.ranges == 0) { // nothing dropped: exactly the model's answer
    CHECK(n == expect_n);
    for (size_t i = 0; i < n; i++)
      CHECK(out[i].base == expect[i].base && out[i].end == expect[i].end);
  }
  return n;
}

// Sanitising a sanitised map (as usable entries) changes nothing.
static void
check_idempotent(const struct mem_range *out, size_t n, size_t max_out)
{
  struct e820_entry *again = malloc((n + 1) * sizeof(*again));
  struct mem_range *out2 = malloc(max_out * sizeof(*out2));

  for (size_t i = 0; i < n; i++)
    again[i] = (struct e820_entry){out[i].base, out[i].end - out[i].base,
                                   E820_TYPE_USABLE, 0};
  size_t n2 = e820_sanitise(again, n, NULL, 0, out2, max_out, NULL);
  CHECK(n2 == n);
  for (size_t i = 0; i < n; i++)
    CHECK(out2[i].base == out[i].base && out2[i].end == out[i].end);
  free(again);
  free(out2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static struct map m;

  decode(data, size, &m);
  struct mem_range *out = malloc(m.max_out * sizeof(*out));
  CHECK(out != NULL);
  size_t all = run(&m, false, out); // pmm.c: the RAM total
  check_idempotent(out, all, m.max_out);
  run(&m, true, out); // pmm.c: what the PMM gets
  free(out);
  return 0;
}
