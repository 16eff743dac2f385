// Host tests of the fixed-block allocator core (kernel/fba_core.c). The
// area is ordinary memory; the callbacks count backed blocks and can be
// told to fail.

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mm/fba_core.c"

#define BLOCKS 1000 // not a multiple of 64: the bitmap's last word is partial
#define BLOCK  FBA_BLOCK_SIZE
#define GIB    0x40000000ULL

struct sim {
  uint8_t *area;
  bool backed[BLOCKS];
  int backed_count;
  int budget; // backings allowed, -1 = no limit
  struct fba fba;
};

static size_t
index_of(struct sim *s, uintptr_t va)
{
  size_t i = (va - (uintptr_t)s->area) / BLOCK;
  assert_true(va >= (uintptr_t)s->area && i < BLOCKS);
  return i;
}

static bool
sim_back(void *ctx, uintptr_t va)
{
  struct sim *s = ctx;
  size_t i = index_of(s, va);

  assert_false(s->backed[i]);
  if (s->budget == 0)
    return false;
  if (s->budget > 0)
    s->budget--;
  s->backed[i] = true;
  s->backed_count++;
  memset((void *)va, 0xCD, BLOCK); // backing gives no promise of zeroes
  return true;
}

static void
sim_release(void *ctx, uintptr_t va)
{
  struct sim *s = ctx;
  size_t i = index_of(s, va);

  assert_true(s->backed[i]);
  s->backed[i] = false;
  s->backed_count--;
}

static int
setup(void **state)
{
  struct sim *s = calloc(1, sizeof(*s));
  s->area = aligned_alloc(BLOCK, BLOCKS * BLOCK);
  s->budget = -1;
  struct fba_ops ops = {s, sim_back, sim_release};
  assert_int_equal(
      fba_core_init(&s->fba, (uintptr_t)s->area, BLOCKS * BLOCK, &ops), FBA_OK);
  *state = s;
  return 0;
}

static int
teardown(void **state)
{
  struct sim *s = *state;
  free(s->area);
  free(s);
  return 0;
}

static uint8_t *
block(struct sim *s, size_t n)
{
  return s->area + n * BLOCK;
}

static void
test_meta_blocks(void **state)
{
  struct sim *s = *state;
  assert_int_equal(fba_core_meta_blocks(GIB), 8);
  assert_int_equal(fba_core_meta_blocks(64 * 1024), 1);
  assert_int_equal(s->fba.meta_blocks, 1);
  assert_int_equal(s->backed_count, 1);
  assert_true(s->backed[0]);
}

static void
test_alloc_sequential_and_backed(void **state)
{
  struct sim *s = *state;
  uint8_t *a = fba_core_alloc(&s->fba, 1), *b = fba_core_alloc(&s->fba, 1);

  assert_ptr_equal(a, block(s, 1)); // block 0 holds the bitmap
  assert_ptr_equal(b, block(s, 2));
  assert_true(s->backed[1] && s->backed[2]);
  memset(a, 1, BLOCK);
  assert_int_equal(s->fba.used, 2);
}

static void
test_run_crosses_word_boundary(void **state)
{
  struct sim *s = *state;

  for (int i = 1; i < 63; i++)
    assert_non_null(fba_core_alloc(&s->fba, 1));
  uint8_t *run = fba_core_alloc(&s->fba, 3); // blocks 63, 64, 65
  assert_ptr_equal(run, block(s, 63));
  assert_true(s->backed[63] && s->backed[64] && s->backed[65]);
}

static void
test_run_skips_small_hole(void **state)
{
  struct sim *s = *state;
  uint8_t *a = fba_core_alloc(&s->fba, 2), *b = fba_core_alloc(&s->fba, 1);

  assert_non_null(b);
  assert_int_equal(fba_core_free(&s->fba, a, 2), FBA_OK); // hole of 2 at 1
  uint8_t *run = fba_core_alloc(&s->fba, 3);
  assert_ptr_equal(run, block(s, 4));
  assert_ptr_equal(fba_core_alloc(&s->fba, 2), a); // the hole is reused
}

static void
test_exhaustion(void **state)
{
  struct sim *s = *state;
  size_t usable = BLOCKS - 1;

  assert_null(fba_core_alloc(&s->fba, 0));
  assert_null(fba_core_alloc(&s->fba, usable + 1));
  uint8_t *all = fba_core_alloc(&s->fba, usable);
  assert_ptr_equal(all, block(s, 1));
  assert_int_equal(s->backed_count, BLOCKS);
  assert_null(fba_core_alloc(&s->fba, 1)); // never past the last block
  assert_int_equal(fba_core_free(&s->fba, block(s, BLOCKS - 1), 1), FBA_OK);
  assert_ptr_equal(fba_core_alloc(&s->fba, 1), block(s, BLOCKS - 1));
  assert_null(fba_core_alloc(&s->fba, 1));
}

static void
test_free_and_reuse(void **state)
{
  struct sim *s = *state;
  uint8_t *a = fba_core_alloc(&s->fba, 4);

  assert_int_equal(fba_core_free(&s->fba, a, 4), FBA_OK);
  assert_int_equal(s->backed_count, 1);
  assert_int_equal(s->fba.used, 0);
  assert_ptr_equal(fba_core_alloc(&s->fba, 4), a);
}

static void
test_bad_frees(void **state)
{
  struct sim *s = *state;
  uint8_t *a = fba_core_alloc(&s->fba, 2);

  assert_int_equal(fba_core_free(&s->fba, a, 3), FBA_ERR_NOT_ALLOCATED);
  assert_int_equal(s->backed_count, 3); // nothing was released
  assert_int_equal(fba_core_free(&s->fba, a + 16, 1), FBA_ERR_ALIGN);
  assert_int_equal(fba_core_free(&s->fba, block(s, 0), 1), FBA_ERR_RANGE);
  assert_int_equal(fba_core_free(&s->fba, block(s, BLOCKS), 1), FBA_ERR_RANGE);
  assert_int_equal(fba_core_free(&s->fba, block(s, BLOCKS - 1), 2),
                   FBA_ERR_RANGE);
  assert_int_equal(fba_core_free(&s->fba, a, 0), FBA_ERR_RANGE);
  assert_int_equal(fba_core_free(&s->fba, a, 2), FBA_OK);
  assert_int_equal(fba_core_free(&s->fba, a, 1), FBA_ERR_NOT_ALLOCATED);
}

static void
test_backing_fails_midway(void **state)
{
  struct sim *s = *state;

  s->budget = 2;
  assert_null(fba_core_alloc(&s->fba, 3));
  assert_int_equal(s->backed_count, 1); // rolled back
  assert_int_equal(s->fba.used, 0);
  s->budget = -1;
  assert_ptr_equal(fba_core_alloc(&s->fba, 3), block(s, 1));
}

static void
test_init_backing_fails(void **state)
{
  (void)state;
  struct sim *s = calloc(1, sizeof(*s));
  struct fba_ops ops = {s, sim_back, sim_release};

  s->area = aligned_alloc(BLOCK, BLOCKS * BLOCK);
  s->budget = 0;
  assert_int_equal(
      fba_core_init(&s->fba, (uintptr_t)s->area, BLOCKS * BLOCK, &ops),
      FBA_ERR_NO_MEMORY);
  assert_int_equal(s->backed_count, 0);
  free(s->area);
  free(s);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_meta_blocks, setup, teardown),
      cmocka_unit_test_setup_teardown(test_alloc_sequential_and_backed, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_run_crosses_word_boundary, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_run_skips_small_hole, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_exhaustion, setup, teardown),
      cmocka_unit_test_setup_teardown(test_free_and_reuse, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_frees, setup, teardown),
      cmocka_unit_test_setup_teardown(test_backing_fails_midway, setup,
                                      teardown),
      cmocka_unit_test(test_init_backing_fails),
  };
  return cmocka_run_group_tests_name("fba", tests, NULL, NULL);
}
