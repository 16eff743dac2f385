// memset, memcpy, memmove and memcmp (see string.h), byte by byte: the
// kernel copies little, and simple loops are easy to trust. no_builtin
// keeps the compiler from turning each loop back into a call to the very
// function it is in.

#include "lib/string.h"

__attribute__((no_builtin)) void *
memset(void *dst, int c, size_t n)
{
  unsigned char *d = dst;

  while (n--)
    *d++ = (unsigned char)c;
  return dst;
}

__attribute__((no_builtin)) void *
memcpy(void *restrict dst, const void *restrict src, size_t n)
{
  unsigned char *d = dst;
  const unsigned char *s = src;

  while (n--)
    *d++ = *s++;
  return dst;
}

// Overlapping copies go backwards when dst lies above src, so no byte is
// overwritten before it is read.
__attribute__((no_builtin)) void *
memmove(void *dst, const void *src, size_t n)
{
  unsigned char *d = dst;
  const unsigned char *s = src;

  if (d > s && d < s + n) {
    while (n--)
      d[n] = s[n];
  } else {
    while (n--)
      *d++ = *s++;
  }
  return dst;
}

__attribute__((no_builtin)) int
memcmp(const void *a, const void *b, size_t n)
{
  const unsigned char *x = a, *y = b;

  for (; n; n--, x++, y++)
    if (*x != *y)
      return *x < *y ? -1 : 1;
  return 0;
}
