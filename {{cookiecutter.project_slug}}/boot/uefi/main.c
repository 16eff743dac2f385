// The UEFI loader: EFI/BOOT/BOOTX64.EFI on the same FAT partition as
// STAGE2.BIN and KERNEL.BIN. It does for a UEFI PC what stage1 and stage2
// do for a BIOS one, and hands the kernel the same boot information
// (include/bootinfo.h), with the firmware kind set to UEFI. Each step is
// one line below; a failure says why on the firmware console and COM1 and
// returns to the firmware, which goes on to its next boot option.

#include "arch/x86.h"
#include "bootinfo.h"
#include "layout.h"
#include "uefi/areas.h"
#include "uefi/console.h"
#include "uefi/efi.h"
#include "uefi/handoff.h"
#include "uefi/kernel_file.h"
#include "uefi/rsdp.h"
#include "uefi/tables.h"

efi_status EFIAPI efi_main(efi_handle image, struct efi_system_table *system);

#define E820_MAX_ENTRIES                                                       \
  ((LAYOUT_E820_BUFFER_SIZE - BOOTINFO_HEADER_SIZE) / E820_ENTRY_SIZE)

static struct boot_info *
bootinfo_start(uint64_t tsc_start)
{
  struct boot_info *info = (struct boot_info *)(uintptr_t)LAYOUT_E820_BUFFER;
  uint8_t *bytes = (uint8_t *)info;

  for (uint64_t i = 0; i < BOOTINFO_HEADER_SIZE; i++)
    bytes[i] = 0;
  info->magic = BOOTINFO_MAGIC;
  info->version = BOOTINFO_VERSION;
  info->header_size = BOOTINFO_HEADER_SIZE;
  info->e820_max = E820_MAX_ENTRIES;
  info->firmware = BOOTINFO_FIRMWARE_UEFI;
  info->kernel_phys = LAYOUT_KERNEL_LOAD_ADDR;
  info->tsc_stage2 = tsc_start;
  return info;
}

static void
tables_prepare(void)
{
  uint64_t(*tables)[TABLES_ENTRIES] =
      (void *)(uintptr_t)LAYOUT_BOOT_PAGE_TABLES;
  uint8_t *bytes = (uint8_t *)tables;

  for (uint64_t i = 0; i < LAYOUT_BOOT_PAGE_TABLES_SIZE; i++)
    bytes[i] = 0;
  tables_build(tables, LAYOUT_BOOT_PAGE_TABLES, LAYOUT_KERNEL_VIRT_BASE);
}

// Back to the firmware: give back what was claimed.
static efi_status
give_up(struct efi_boot_services *bs)
{
  areas_release(bs);
  return EFI_LOAD_ERROR;
}

efi_status EFIAPI
efi_main(efi_handle image, struct efi_system_table *system)
{
  uint64_t tsc_start = rdtsc();
  struct efi_boot_services *bs = system->boot_services;
  uint64_t kernel_size;

  console_init(system);
  say("uefi: %s loader\n", LAYOUT_PROJECT_NAME);
  if (!areas_claim(bs)) // the layout's physical areas are ours
    return EFI_LOAD_ERROR;
  if (!kernel_file_load(bs, image, &kernel_size)) // read and checked
    return give_up(bs);
  struct boot_info *info = bootinfo_start(tsc_start);
  info->kernel_size = kernel_size;
  info->tsc_loaded = rdtsc();
  rsdp_find(system, info);  // from the configuration table
  if (!handoff_prepare(bs)) // a page below 2 MiB for the last instructions
    return give_up(bs);
  // The final memory map, in E820 form. On failure the firmware may be half
  // shut down: nothing is given back, only the status returned.
  if (!handoff_exit_boot_services(bs, image, info))
    return EFI_LOAD_ERROR;
  info->tsc_info = rdtsc(); // the firmware is gone from here on
  tables_prepare();         // identity and kernel-window maps of 2 MiB
  info->tsc_handoff = rdtsc();
  handoff_jump(info);
}
