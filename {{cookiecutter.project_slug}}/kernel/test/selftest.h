#ifndef SELFTEST_H
#define SELFTEST_H

#include <stdbool.h>

// In-kernel self-tests, run after boot by test builds (KERNEL_TEST=1).
// A test returns true when it passed; it reports its own details with
// kprintf. Tests are listed, as data, in the table in selftest.c.
struct selftest {
  bool (*run)(void);
  const char *name;
};

// Run every test, print "selftest: N passed, N failed", and return true
// when none failed.
bool selftest_run_all(void);

#endif
