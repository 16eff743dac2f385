// Checking and reporting the boot information that stage2 handed over.

#include <stdint.h>

#include "bootinfo.h"
#include "bootlog.h"
#include "layout.h"
#include "lib/kprintf.h"

// Stop early, with a reason, if the block is not what this kernel expects
// (a stage2 from another build, or memory overwritten on the way).
void
bootinfo_check(const struct boot_info *info)
{
  if (info->magic != BOOTINFO_MAGIC)
    panic("bootinfo: bad magic %lx at %p (stage2 and kernel do not match?)",
          info->magic, (const void *)info);
  if (info->version != BOOTINFO_VERSION)
    panic("bootinfo: version %u, this kernel understands %u", info->version,
          BOOTINFO_VERSION);
  if (info->header_size != BOOTINFO_HEADER_SIZE)
    panic("bootinfo: header size %u, expected %u", info->header_size,
          BOOTINFO_HEADER_SIZE);
  if (info->firmware != BOOTINFO_FIRMWARE_BIOS &&
      info->firmware != BOOTINFO_FIRMWARE_UEFI)
    panic("bootinfo: firmware kind %u is neither BIOS (%u) nor UEFI (%u)",
          info->firmware, BOOTINFO_FIRMWARE_BIOS, BOOTINFO_FIRMWARE_UEFI);
  if (info->e820_count > info->e820_max)
    panic("bootinfo: %u E820 entries but room for %u", info->e820_count,
          info->e820_max);
}

static uint64_t
cycles_between(uint64_t from, uint64_t to)
{
  return to >= from ? to - from : 0;
}

static const char *
firmware_name(uint32_t firmware)
{
  switch (firmware) {
  case BOOTINFO_FIRMWARE_BIOS:
    return "BIOS";
  case BOOTINFO_FIRMWARE_UEFI:
    return "UEFI";
  default:
    return "unknown";
  }
}

void
bootinfo_print(const struct boot_info *info, uint64_t tsc_kernel)
{
  kprintf("[boot] boot info v%u at %p, firmware %s, boot drive 0x%02x\n",
          info->version, (const void *)info, firmware_name(info->firmware),
          info->boot_drive);
  kprintf("[boot] KERNEL.BIN: %lu bytes at phys 0x%lx (area holds %lu)\n",
          info->kernel_size, info->kernel_phys,
          (uint64_t)(LAYOUT_KERNEL_AREA_END - LAYOUT_KERNEL_LOAD_ADDR));
  if (info->rsdp_addr != 0)
    kprintf("[boot] ACPI RSDP found by the loader at phys 0x%lx\n",
            info->rsdp_addr);
  else
    kprintf("[boot] ACPI RSDP: the loader found none\n");
  kprintf("[boot] loader time (TSC cycles): load kernel %lu, memory map %lu, "
          "page tables %lu, to kmain %lu\n",
          cycles_between(info->tsc_stage2, info->tsc_loaded),
          cycles_between(info->tsc_loaded, info->tsc_info),
          cycles_between(info->tsc_info, info->tsc_handoff),
          cycles_between(info->tsc_handoff, tsc_kernel));
}

static const char *
e820_type_name(uint32_t type)
{
  switch (type) {
  case E820_TYPE_USABLE:
    return "usable";
  case E820_TYPE_RESERVED:
    return "reserved";
  case E820_TYPE_ACPI_RECLAIM:
    return "ACPI reclaimable";
  case E820_TYPE_ACPI_NVS:
    return "ACPI NVS";
  case E820_TYPE_BAD:
    return "bad memory";
  default:
    return "unknown";
  }
}

void
bootinfo_print_e820(const struct boot_info *info)
{
  kprintf("[e820] %u entries from the firmware", info->e820_count);
  if (info->e820_lost)
    kprintf(" (%u more did not fit the buffer and were dropped)",
            info->e820_lost);
  kprintf("\n");
  for (uint32_t i = 0; i < info->e820_count; i++) {
    const struct e820_entry *entry = &info->e820[i];
    kprintf("[e820]   0x%016lx-0x%016lx %s\n", entry->base,
            entry->base + entry->length - 1, e820_type_name(entry->type));
  }
}
