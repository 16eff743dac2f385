// Leaving the firmware: the boot information, ExitBootServices, the jump.

#ifndef UEFI_HANDOFF_H
#define UEFI_HANDOFF_H

#include <stdbool.h>
#include <stdint.h>

#include "bootinfo.h"
#include "uefi/efi.h"

// Copy the trampoline (trampoline.asm) to a page of loader code below 2 MiB,
// where the boot page tables map it. Returns false, having said why, if the
// firmware has no such page free.
bool handoff_prepare(struct efi_boot_services *bs);

// Exit boot services and write the final memory map into info in E820
// form. A map key gone stale (the map changed since it was read) is retried
// once with a fresh map. Returns false, having said so, if both calls fail;
// the firmware may then have shut down part of its boot services.
bool handoff_exit_boot_services(struct efi_boot_services *bs, efi_handle image,
                                struct boot_info *info);

// With interrupts off, switch to the boot page tables and jump to the
// kernel's entry with the boot information's virtual address in RDI.
__attribute__((noreturn)) void handoff_jump(const struct boot_info *info);

#endif
