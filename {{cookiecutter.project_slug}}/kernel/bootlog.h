#ifndef BOOTLOG_H
#define BOOTLOG_H

#include <stdint.h>

#include "bootinfo.h"

// bootinfo.c: the boot information from stage2.
void bootinfo_check(const struct boot_info *info);
void bootinfo_print(const struct boot_info *info, uint64_t tsc_kernel);
void bootinfo_print_e820(const struct boot_info *info);

#endif
