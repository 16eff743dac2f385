// The two C library functions clang may call on its own for struct copies
// and zeroing, even in freestanding code.

#include <stddef.h>

void *memset(void *to, int value, size_t length);
void *memcpy(void *to, const void *from, size_t length);

void *
memset(void *to, int value, size_t length)
{
  unsigned char *p = to;

  while (length--)
    *p++ = (unsigned char)value;
  return to;
}

void *
memcpy(void *to, const void *from, size_t length)
{
  unsigned char *p = to;
  const unsigned char *q = from;

  while (length--)
    *p++ = *q++;
  return to;
}
