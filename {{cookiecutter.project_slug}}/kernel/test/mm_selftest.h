// Self-tests of the memory manager on the running machine (test builds):
// PMM, page-table mapper, automap and FBA. Listed in selftest.c's table.
#ifndef MM_SELFTEST_H
#define MM_SELFTEST_H

#include <stdbool.h>

bool selftest_pmm(void);
bool selftest_paging(void);
bool selftest_own_page_tables(void);
bool selftest_guard_pages(void);
bool selftest_automap(void);
bool selftest_fba(void);

#endif
