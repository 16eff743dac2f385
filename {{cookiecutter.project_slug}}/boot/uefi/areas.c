// Claiming the kernel's fixed physical areas from the firmware.
//
// Under the BIOS, stage2 simply writes to these addresses; under UEFI the
// firmware owns all memory until ExitBootServices, and may keep its own
// data anywhere. AllocatePages at a fixed address either hands the pages
// over (the firmware will not use them) or fails because some are in use:
// then the layout cannot work on this machine, and the loader says which
// area collides. Areas are claimed as loader data (usable RAM once the
// kernel runs, where layout_reserved in kernel/mm/pmm.c keeps them), the
// load area as loader code.

#include <stddef.h>
#include <stdint.h>

#include "layout.h"
#include "uefi/areas.h"
#include "uefi/console.h"
#include "uefi/memory.h"

struct area {
  const char *name;
  uint64_t base;
  uint64_t end; // exclusive
  uint32_t memory_type;
  bool claimed;
};

static struct area areas[] = {
    {"boot information", LAYOUT_E820_BUFFER,
     LAYOUT_E820_BUFFER + LAYOUT_E820_BUFFER_SIZE, EFI_LOADER_DATA, false},
    {"PMM bootstrap pages", LAYOUT_PMM_BOOTSTRAP,
     LAYOUT_PMM_BOOTSTRAP + LAYOUT_PMM_BOOTSTRAP_SIZE, EFI_LOADER_DATA, false},
    {"boot page tables", LAYOUT_BOOT_PAGE_TABLES,
     LAYOUT_BOOT_PAGE_TABLES + LAYOUT_BOOT_PAGE_TABLES_SIZE, EFI_LOADER_DATA,
     false},
    {"kernel stack", LAYOUT_KERNEL_STACK_BASE, LAYOUT_KERNEL_STACK_TOP,
     EFI_LOADER_DATA, false},
    {"kernel BSS", LAYOUT_KERNEL_BSS_BASE,
     LAYOUT_KERNEL_BSS_BASE + LAYOUT_KERNEL_BSS_SIZE, EFI_LOADER_DATA, false},
    {"kernel load area", LAYOUT_KERNEL_LOAD_ADDR, LAYOUT_KERNEL_AREA_END,
     EFI_LOADER_CODE, false},
    // Written by the kernel when it starts the other CPUs: it must not be
    // memory the firmware keeps after ExitBootServices.
    {"AP trampoline", LAYOUT_SMP_TRAMPOLINE,
     LAYOUT_SMP_TRAMPOLINE + LAYOUT_SMP_TRAMPOLINE_SIZE, EFI_LOADER_DATA,
     false},
};
#define AREA_COUNT (sizeof(areas) / sizeof(areas[0]))

static uint64_t
page_floor(uint64_t address)
{
  return address & ~(uint64_t)(EFI_PAGE_SIZE - 1);
}

static uint64_t
pages_of(const struct area *area)
{
  uint64_t base = page_floor(area->base);
  return (area->end - base + EFI_PAGE_SIZE - 1) / EFI_PAGE_SIZE;
}

#ifdef UEFI_FAULT_AREA_TAKEN
// Fault injection (make UEFI_FAULT=AREA_TAKEN): take the kernel load area
// as boot-services data first, the way firmware memory would sit there.
static void
fault_take_load_area(struct efi_boot_services *bs)
{
  efi_physical_address base = LAYOUT_KERNEL_LOAD_ADDR;
  bs->allocate_pages(EFI_ALLOCATE_ADDRESS, EFI_BOOT_SERVICES_DATA,
                     (LAYOUT_KERNEL_AREA_END - base) / EFI_PAGE_SIZE, &base);
}
#endif

bool
areas_claim(struct efi_boot_services *bs)
{
#ifdef UEFI_FAULT_AREA_TAKEN
  fault_take_load_area(bs);
#endif
  for (size_t i = 0; i < AREA_COUNT; i++) {
    struct area *area = &areas[i];
    efi_physical_address base = page_floor(area->base);
    efi_status status = bs->allocate_pages(
        EFI_ALLOCATE_ADDRESS, area->memory_type, pages_of(area), &base);
    if (EFI_IS_ERROR(status)) {
      say("uefi: the %s %x-%x is taken by the firmware (%s); move it "
          "in layout.cfg\n",
          area->name, area->base, area->end - 1,
          memory_owner(bs, page_floor(area->base), pages_of(area)));
      areas_release(bs);
      return false;
    }
    area->claimed = true;
  }
  return true;
}

void
areas_release(struct efi_boot_services *bs)
{
  for (size_t i = 0; i < AREA_COUNT; i++) {
    if (areas[i].claimed)
      bs->free_pages(page_floor(areas[i].base), pages_of(&areas[i]));
    areas[i].claimed = false;
  }
}
