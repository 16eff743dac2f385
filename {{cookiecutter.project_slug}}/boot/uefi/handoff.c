// Leaving the firmware for the kernel.

#include "uefi/handoff.h"
#include "arch/x86.h"
#include "layout.h"
#include "uefi/console.h"
#include "uefi/memmap.h"
#include "uefi/memory.h"

// The first 2 MiB: what the boot page tables identity-map.
#define IDENTITY_MAPPED_END 0x200000
#define CR4_PGE             (1ULL << 7) // global pages (SDM vol. 3A, 2.5)

extern const uint8_t trampoline_start[], trampoline_end[];

typedef void(EFIAPI *handoff_fn)(uint64_t cr3, uint64_t entry,
                                 uint64_t boot_info, uint64_t stack_top);

static handoff_fn handoff_copy;

bool
handoff_prepare(struct efi_boot_services *bs)
{
  // Loader code, not data: firmware that marks data pages no-execute (as
  // OVMF does) leaves this page executable.
  efi_physical_address page = IDENTITY_MAPPED_END - 1;
  if (EFI_IS_ERROR(bs->allocate_pages(EFI_ALLOCATE_MAX_ADDRESS, EFI_LOADER_CODE,
                                      1, &page))) {
    say("uefi: no free page below 2 MiB for the handoff code\n");
    return false;
  }
  uint8_t *to = (uint8_t *)(uintptr_t)page;
  for (const uint8_t *from = trampoline_start; from < trampoline_end; from++)
    *to++ = *from;
  handoff_copy = (handoff_fn)(uintptr_t)page;
  return true;
}

// Try ExitBootServices with a fresh map; on success, convert that map.
// may_allocate: whether the map buffer may be (re)allocated first.
static efi_status
exit_with_fresh_map(struct efi_boot_services *bs, efi_handle image,
                    struct memory_map *map, struct boot_info *info,
                    bool may_allocate)
{
  efi_status status = memory_map_read(bs, map, may_allocate);
  if (EFI_IS_ERROR(status))
    return status;
  uint64_t key = map->key;
#if defined(UEFI_FAULT_EXIT_BOOT_SERVICES)
  key++; // fault injection (make UEFI_FAULT=EXIT_BOOT_SERVICES): a stale key
#elif defined(UEFI_FAULT_STALE_KEY_ONCE)
  key += may_allocate; // only the first call gets a stale key: the retry works
#endif
  status = bs->exit_boot_services(image, key);
  if (EFI_IS_ERROR(status))
    return status;
  uint32_t lost;
  info->e820_count =
      (uint32_t)memmap_to_e820(map->buffer, map->size, map->descriptor_size,
                               info->e820, info->e820_max, &lost);
  info->e820_lost = lost;
  return EFI_SUCCESS;
}

bool
handoff_exit_boot_services(struct efi_boot_services *bs, efi_handle image,
                           struct boot_info *info)
{
  struct memory_map map = {0};
  efi_status status = exit_with_fresh_map(bs, image, &map, info, true);

  // Anything the firmware did since the map was read (a timer event
  // allocating memory, say) invalidates the key: read the map again. After
  // a failed ExitBootServices the firmware may have begun shutting down and
  // only GetMemoryMap and ExitBootServices are allowed (UEFI spec 7.4):
  // the buffer, with its spare room, is reused as it is.
  if (EFI_IS_ERROR(status))
    status = exit_with_fresh_map(bs, image, &map, info, false);
  if (EFI_IS_ERROR(status)) {
    // The firmware console still works on the firmware we know of (EDK2
    // checks the key before shutting anything down); COM1 gets it anyway
    // where the console is a screen only.
    say("uefi: ExitBootServices failed twice (status %x)\n", status);
    return false;
  }
  console_detach(); // the firmware console went with boot services
  return true;
}

void
handoff_jump(const struct boot_info *info)
{
  __asm__ volatile("cli");
  // Toggling CR4.PGE off flushes every TLB entry, global ones included
  // (which a CR3 load keeps); the kernel runs without global pages, as
  // after stage2.
  uint64_t cr4;
  __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
  __asm__ volatile("mov %0, %%cr4" : : "r"(cr4 & ~CR4_PGE) : "memory");
  handoff_copy(LAYOUT_BOOT_PAGE_TABLES,
               LAYOUT_KERNEL_VIRT_BASE + LAYOUT_KERNEL_LOAD_ADDR,
               LAYOUT_KERNEL_VIRT_BASE + (uint64_t)(uintptr_t)info,
               LAYOUT_KERNEL_VIRT_BASE + LAYOUT_KERNEL_STACK_TOP);
  __builtin_unreachable();
}
