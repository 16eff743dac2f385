#ifndef SMP_SELFTEST_H
#define SMP_SELFTEST_H

#include <stdbool.h>

// Self-tests of the other CPUs (smp_selftest.c); with one CPU online they
// check only that no other was listed.
bool selftest_smp_online(void);
bool selftest_smp_timers(void);
bool selftest_smp_lints(void);
bool selftest_smp_alloc_stress(void);
bool selftest_smp_shootdown(void);

#endif
