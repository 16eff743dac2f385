// Reading and checking KERNEL.BIN through the Simple File System protocol.
//
// The firmware's FAT driver serves the partition the loader itself came
// from (the loaded image's device handle), so the loader needs no disk or
// FAT code of its own. The file is read straight into the kernel load area,
// then checked against the trailer the build appended, as stage2 does.

#include "uefi/kernel_file.h"
#include "bootinfo.h"
#include "layout.h"
#include "uefi/console.h"

#define KERNEL_AREA_SIZE (LAYOUT_KERNEL_AREA_END - LAYOUT_KERNEL_LOAD_ADDR)

static const char16 kernel_name[] = u"KERNEL.BIN";

uint32_t
kernel_file_checksum(const uint8_t *bytes, uint64_t length)
{
  uint32_t a = 1, sum = 0;

  for (uint64_t i = 0; i < length; i++) {
    a += bytes[i];
    sum += a;
  }
  return sum;
}

static uint32_t
read_u32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

// The root directory of the partition the loader was read from, or NULL.
static struct efi_file_protocol *
boot_volume(struct efi_boot_services *bs, efi_handle image)
{
  static const struct efi_guid loaded_image_guid =
      EFI_LOADED_IMAGE_PROTOCOL_GUID;
  static const struct efi_guid file_system_guid =
      EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
  struct efi_loaded_image_protocol *loaded;
  struct efi_simple_file_system_protocol *file_system;
  struct efi_file_protocol *root;

  if (EFI_IS_ERROR(
          bs->handle_protocol(image, &loaded_image_guid, (void **)&loaded)) ||
      EFI_IS_ERROR(bs->handle_protocol(loaded->device_handle, &file_system_guid,
                                       (void **)&file_system)) ||
      EFI_IS_ERROR(file_system->open_volume(file_system, &root))) {
    say("uefi: the boot partition has no file system the firmware can read\n");
    return NULL;
  }
  return root;
}

static bool
file_size(struct efi_file_protocol *file, uint64_t *size)
{
  static const struct efi_guid file_info_guid = EFI_FILE_INFO_GUID;
  // The fixed part plus room for the name the firmware appends.
  static uint8_t info_buffer[sizeof(struct efi_file_info) + 256]
      __attribute__((aligned(8)));
  uint64_t length = sizeof(info_buffer);

  if (EFI_IS_ERROR(file->get_info(file, &file_info_guid, &length, info_buffer)))
    return false;
  *size = ((struct efi_file_info *)info_buffer)->file_size;
  return true;
}

static bool
kernel_verify(const uint8_t *kernel, uint64_t size)
{
  const uint8_t *trailer = kernel + size - KERNEL_TRAILER_SIZE;

  if (read_u32(trailer) != KERNEL_TRAILER_MAGIC) {
    say("uefi: KERNEL.BIN has no checksum trailer (not built by this "
        "project's Makefile?)\n");
    return false;
  }
  uint32_t sum = kernel_file_checksum(kernel, size - KERNEL_TRAILER_SIZE);
  if (sum != read_u32(trailer + 4)) {
    say("uefi: KERNEL.BIN is corrupt: checksum %x, its trailer says %x\n",
        (uint64_t)sum, (uint64_t)read_u32(trailer + 4));
    return false;
  }
  return true;
}

// Read exactly size bytes; the FAT driver may return fewer per call.
static bool
read_all(struct efi_file_protocol *file, uint8_t *to, uint64_t size)
{
  while (size > 0) {
    uint64_t got = size;
    if (EFI_IS_ERROR(file->read(file, &got, to)) || got == 0)
      return false;
    to += got;
    size -= got;
  }
  return true;
}

static bool
load_open_file(struct efi_file_protocol *file, uint64_t *size)
{
  uint8_t *kernel = (uint8_t *)(uintptr_t)LAYOUT_KERNEL_LOAD_ADDR;

  if (!file_size(file, size)) {
    say("uefi: cannot read the size of KERNEL.BIN\n");
    return false;
  }
  if (*size > KERNEL_AREA_SIZE) {
    say("uefi: KERNEL.BIN is %u bytes, the kernel load area holds %u\n", *size,
        (uint64_t)KERNEL_AREA_SIZE);
    return false;
  }
  if (*size <= KERNEL_TRAILER_SIZE) {
    say("uefi: KERNEL.BIN is %u bytes, too short for a kernel\n", *size);
    return false;
  }
  if (!read_all(file, kernel, *size)) {
    say("uefi: reading KERNEL.BIN failed\n");
    return false;
  }
  return kernel_verify(kernel, *size);
}

bool
kernel_file_load(struct efi_boot_services *bs, efi_handle image, uint64_t *size)
{
  struct efi_file_protocol *root = boot_volume(bs, image);
  struct efi_file_protocol *file;

  if (!root)
    return false;
  if (EFI_IS_ERROR(
          root->open(root, &file, kernel_name, EFI_FILE_MODE_READ, 0))) {
    say("uefi: no KERNEL.BIN on the boot partition\n");
    root->close(root);
    return false;
  }
  bool loaded = load_open_file(file, size);
  file->close(file);
  root->close(root);
  return loaded;
}
