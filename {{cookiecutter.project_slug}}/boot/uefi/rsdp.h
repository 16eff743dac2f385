// The ACPI RSDP, from the UEFI configuration table.

#ifndef UEFI_RSDP_H
#define UEFI_RSDP_H

#include "bootinfo.h"
#include "uefi/efi.h"

// Store the RSDP's address and a copy of it in info: the ACPI 2.0 entry if
// the firmware lists one (it leads to the XSDT), else the ACPI 1.0 entry,
// else none (rsdp_addr 0; the kernel then searches the BIOS areas).
void rsdp_find(const struct efi_system_table *system, struct boot_info *info);

#endif
