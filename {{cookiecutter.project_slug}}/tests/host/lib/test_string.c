// Host tests of the kernel's memset, memcpy, memmove and memcmp
// (kernel/lib/string.c). They are renamed here, so that the host's own
// functions (which the sanitisers and cmocka use) stay in place.

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define memset  kernel_memset
#define memcpy  kernel_memcpy
#define memmove kernel_memmove
#define memcmp  kernel_memcmp
#include "lib/string.c"
#undef memset
#undef memcpy
#undef memmove
#undef memcmp

#define SIZE 64

static void
fill_counting(unsigned char *buffer, size_t n)
{
  for (size_t i = 0; i < n; i++)
    buffer[i] = (unsigned char)i;
}

static void
test_memset(void **state)
{
  unsigned char buffer[SIZE];
  (void)state;
  fill_counting(buffer, SIZE);
  assert_ptr_equal(kernel_memset(buffer + 3, 0x1AB, 10), buffer + 3);
  for (size_t i = 0; i < SIZE; i++)
    assert_int_equal(buffer[i], i >= 3 && i < 13 ? 0xAB : i);
  kernel_memset(buffer, 0, 0); // n = 0 writes nothing
  assert_int_equal(buffer[0], 0);
  assert_int_equal(buffer[1], 1);
}

static void
test_memcpy(void **state)
{
  unsigned char src[SIZE], dst[SIZE] = {0};
  (void)state;
  fill_counting(src, SIZE);
  assert_ptr_equal(kernel_memcpy(dst + 1, src + 5, 20), dst + 1);
  assert_int_equal(dst[0], 0);
  for (size_t i = 0; i < 20; i++)
    assert_int_equal(dst[1 + i], 5 + i);
  assert_int_equal(dst[21], 0);
}

// Both directions of overlap, and no overlap at all.
static void
test_memmove(void **state)
{
  unsigned char buffer[SIZE];
  (void)state;
  fill_counting(buffer, SIZE);
  assert_ptr_equal(kernel_memmove(buffer + 4, buffer, 16), buffer + 4);
  for (size_t i = 0; i < 16; i++)
    assert_int_equal(buffer[4 + i], i);
  fill_counting(buffer, SIZE);
  kernel_memmove(buffer, buffer + 4, 16);
  for (size_t i = 0; i < 16; i++)
    assert_int_equal(buffer[i], 4 + i);
  assert_int_equal(buffer[16], 16);
  fill_counting(buffer, SIZE);
  kernel_memmove(buffer + 40, buffer, 8);
  for (size_t i = 0; i < 8; i++)
    assert_int_equal(buffer[40 + i], i);
}

// Bytes compare as unsigned: 0x80 is above 0x7F.
static void
test_memcmp(void **state)
{
  unsigned char a[] = {1, 2, 0x80, 4}, b[] = {1, 2, 0x7F, 9};
  (void)state;
  assert_int_equal(kernel_memcmp(a, a, sizeof(a)), 0);
  assert_true(kernel_memcmp(a, b, sizeof(a)) > 0);
  assert_true(kernel_memcmp(b, a, sizeof(a)) < 0);
  assert_int_equal(kernel_memcmp(a, b, 2), 0);
  assert_int_equal(kernel_memcmp(a, b, 0), 0);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_memset),
      cmocka_unit_test(test_memcpy),
      cmocka_unit_test(test_memmove),
      cmocka_unit_test(test_memcmp),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
