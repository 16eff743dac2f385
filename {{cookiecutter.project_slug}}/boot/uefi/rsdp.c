// Finding the ACPI RSDP under UEFI: no memory scan, the firmware lists it
// in its configuration table (UEFI spec 4.6) under one of two GUIDs.

#include <stdbool.h>

#include "uefi/console.h"
#include "uefi/rsdp.h"

#define RSDP_V1_SIZE      20 // ACPI 1.0: up to the RSDT address
#define RSDP_OFF_REVISION 15 // 0 for ACPI 1.0, 2 and up for the 36-byte form

static bool
guid_equal(const struct efi_guid *a, const struct efi_guid *b)
{
  const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;

  for (unsigned i = 0; i < sizeof(*a); i++)
    if (x[i] != y[i])
      return false;
  return true;
}

static const uint8_t *
table_with(const struct efi_system_table *system, const struct efi_guid *guid)
{
  for (uint64_t i = 0; i < system->number_of_table_entries; i++)
    if (guid_equal(&system->configuration_table[i].vendor_guid, guid))
      return system->configuration_table[i].vendor_table;
  return NULL;
}

void
rsdp_find(const struct efi_system_table *system, struct boot_info *info)
{
  static const struct efi_guid acpi20 = EFI_ACPI_20_TABLE_GUID;
  static const struct efi_guid acpi10 = EFI_ACPI_10_TABLE_GUID;
  const uint8_t *rsdp = table_with(system, &acpi20);

  if (!rsdp)
    rsdp = table_with(system, &acpi10);
  if (!rsdp) {
    say("uefi: the firmware lists no ACPI RSDP\n");
    return;
  }
  unsigned size =
      rsdp[RSDP_OFF_REVISION] >= 2 ? BOOTINFO_RSDP_COPY_SIZE : RSDP_V1_SIZE;
  for (unsigned i = 0; i < size; i++)
    info->rsdp_copy[i] = rsdp[i];
  info->rsdp_addr = (uint64_t)(uintptr_t)rsdp;
}
