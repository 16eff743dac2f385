// The four memory functions a freestanding C program must still provide:
// the compiler emits calls to them for struct copies, struct initialisers
// and loops it recognises, even with -ffreestanding (the C standard leaves
// them to the program; clang and GCC document that they may call them).
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include <stddef.h>

// Fill n bytes at dst with the byte c; returns dst.
void *memset(void *dst, int c, size_t n);

// Copy n bytes from src to dst, which must not overlap; returns dst.
void *memcpy(void *restrict dst, const void *restrict src, size_t n);

// Copy n bytes from src to dst, which may overlap; returns dst.
void *memmove(void *dst, const void *src, size_t n);

// Compare n bytes as unsigned chars: < 0, 0 or > 0 as a is below, equal to
// or above b at the first difference.
int memcmp(const void *a, const void *b, size_t n);

#endif
