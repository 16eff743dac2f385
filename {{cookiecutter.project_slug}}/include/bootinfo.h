/*
 * The boot-information block: what the loader hands to the kernel.
 *
 * Two loaders fill it in, and the kernel cannot tell them apart except by
 * the firmware field. Stage2 (BIOS) builds it at LAYOUT_E820_BUFFER once it
 * has finished loading the kernel (the block overlays the stage1 FAT buffer,
 * which is dead by then); the UEFI loader (boot/uefi/) builds it at the same
 * address, with the memory map converted to E820 form. The loader passes its
 * address to the kernel in RDI. The kernel keeps reading it until the PMM
 * has consumed the memory map.
 *
 * This file is the only definition of the block. The #define lines below are
 * also turned into build/gen/bootinfo.inc for stage2 (see the Makefile), so
 * keep every offset and constant a plain `#define NAME value` line; the C
 * struct at the bottom is checked against them at compile time.
 */
#ifndef BOOTINFO_H
#define BOOTINFO_H

#define BOOTINFO_MAGIC            0x4F464E49544F4F42 /* "BOOTINFO", little endian */
#define BOOTINFO_VERSION          2 /* 2: the firmware field */

/* Offsets of the header fields, in bytes from the start of the block. */
#define BOOTINFO_OFF_MAGIC        0   /* u64: BOOTINFO_MAGIC */
#define BOOTINFO_OFF_VERSION      8   /* u32: BOOTINFO_VERSION */
#define BOOTINFO_OFF_HEADER_SIZE  12  /* u32: BOOTINFO_HEADER_SIZE */
#define BOOTINFO_OFF_E820_COUNT   16  /* u32: entries stored after the header */
#define BOOTINFO_OFF_E820_MAX     20  /* u32: entries that fit in the buffer */
#define BOOTINFO_OFF_E820_LOST    24  /* u32: entries the BIOS had but did not fit */
#define BOOTINFO_OFF_BOOT_DRIVE   28  /* u32: BIOS drive number stage1 booted from (0 under UEFI) */
#define BOOTINFO_OFF_KERNEL_PHYS  32  /* u64: physical address KERNEL.BIN was copied to */
#define BOOTINFO_OFF_KERNEL_SIZE  40  /* u64: size of KERNEL.BIN in bytes */
#define BOOTINFO_OFF_RSDP_ADDR    48  /* u64: physical address of the RSDP, 0 if none */
#define BOOTINFO_OFF_RSDP_COPY    56  /* 36 bytes: the RSDP as found (the EBDA may be overwritten) */
#define BOOTINFO_OFF_FIRMWARE     92  /* u32: BOOTINFO_FIRMWARE_*, which loader ran */
#define BOOTINFO_OFF_TSC_STAGE2   96  /* u64: TSC when stage2 (or the UEFI loader) started */
#define BOOTINFO_OFF_TSC_LOADED   104 /* u64: TSC when KERNEL.BIN was in place */
#define BOOTINFO_OFF_TSC_INFO     112 /* u64: TSC when the E820 map and RSDP were collected (UEFI: boot services exited) */
#define BOOTINFO_OFF_TSC_HANDOFF  120 /* u64: TSC just before long mode was entered (UEFI: the page tables built) */
#define BOOTINFO_HEADER_SIZE      128 /* the E820 entries start here */

#define BOOTINFO_RSDP_COPY_SIZE   36  /* an ACPI 2.0+ RSDP; a 1.0 RSDP uses the first 20 */

/* The firmware the machine booted through. Under UEFI there is no VGA text
   mode and no BIOS data area: the kernel logs to COM1 only. */
#define BOOTINFO_FIRMWARE_BIOS    1   /* stage1 and stage2 */
#define BOOTINFO_FIRMWARE_UEFI    2   /* boot/uefi, EFI/BOOT/BOOTX64.EFI */

/* One E820 entry as the BIOS returns it (ACPI 3.0 form, 24 bytes). */
#define E820_ENTRY_SIZE           24
#define E820_OFF_BASE             0   /* u64 */
#define E820_OFF_LENGTH           8   /* u64 */
#define E820_OFF_TYPE             16  /* u32: E820_TYPE_* */
#define E820_OFF_ATTRIBUTES       20  /* u32: bit 0 clear means "ignore this entry" */

#define E820_TYPE_USABLE          1
#define E820_TYPE_RESERVED        2
#define E820_TYPE_ACPI_RECLAIM    3
#define E820_TYPE_ACPI_NVS        4
#define E820_TYPE_BAD             5

/*
 * KERNEL.BIN ends with an 8-byte trailer that the build appends
 * (tools/kernel_trailer.py) and stage2 checks before it jumps: a u32 magic,
 * then a u32 checksum of every byte before the trailer. The checksum is
 * Fletcher-like: a starts at 1, and for each byte a += byte, sum += a (both
 * modulo 2^32); it is the final sum. Being position-sensitive, it notices
 * zero-filled, swapped or truncated sectors, which a floppy controller can
 * hand over without reporting an error.
 */
#define KERNEL_TRAILER_MAGIC      0x4D55534B /* "KSUM", little endian */
#define KERNEL_TRAILER_SIZE       8

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct e820_entry {
  uint64_t base;
  uint64_t length;
  uint32_t type;
  uint32_t attributes;
} __attribute__((packed));

struct boot_info {
  uint64_t magic;
  uint32_t version;
  uint32_t header_size;
  uint32_t e820_count;
  uint32_t e820_max;
  uint32_t e820_lost;
  uint32_t boot_drive;
  uint64_t kernel_phys;
  uint64_t kernel_size;
  uint64_t rsdp_addr;
  uint8_t rsdp_copy[BOOTINFO_RSDP_COPY_SIZE];
  uint32_t firmware;
  uint64_t tsc_stage2;
  uint64_t tsc_loaded;
  uint64_t tsc_info;
  uint64_t tsc_handoff;
  struct e820_entry e820[];
} __attribute__((packed));

_Static_assert(sizeof(struct e820_entry) == E820_ENTRY_SIZE, "e820 entry size");
_Static_assert(offsetof(struct e820_entry, type) == E820_OFF_TYPE, "e820 type");
_Static_assert(offsetof(struct e820_entry, attributes) == E820_OFF_ATTRIBUTES, "e820 attr");
_Static_assert(offsetof(struct boot_info, version) == BOOTINFO_OFF_VERSION, "version");
_Static_assert(offsetof(struct boot_info, header_size) == BOOTINFO_OFF_HEADER_SIZE, "header_size");
_Static_assert(offsetof(struct boot_info, e820_count) == BOOTINFO_OFF_E820_COUNT, "e820_count");
_Static_assert(offsetof(struct boot_info, e820_max) == BOOTINFO_OFF_E820_MAX, "e820_max");
_Static_assert(offsetof(struct boot_info, e820_lost) == BOOTINFO_OFF_E820_LOST, "e820_lost");
_Static_assert(offsetof(struct boot_info, boot_drive) == BOOTINFO_OFF_BOOT_DRIVE, "boot_drive");
_Static_assert(offsetof(struct boot_info, kernel_phys) == BOOTINFO_OFF_KERNEL_PHYS, "kernel_phys");
_Static_assert(offsetof(struct boot_info, kernel_size) == BOOTINFO_OFF_KERNEL_SIZE, "kernel_size");
_Static_assert(offsetof(struct boot_info, rsdp_addr) == BOOTINFO_OFF_RSDP_ADDR, "rsdp_addr");
_Static_assert(offsetof(struct boot_info, rsdp_copy) == BOOTINFO_OFF_RSDP_COPY, "rsdp_copy");
_Static_assert(offsetof(struct boot_info, firmware) == BOOTINFO_OFF_FIRMWARE, "firmware");
_Static_assert(offsetof(struct boot_info, tsc_stage2) == BOOTINFO_OFF_TSC_STAGE2, "tsc_stage2");
_Static_assert(offsetof(struct boot_info, tsc_loaded) == BOOTINFO_OFF_TSC_LOADED, "tsc_loaded");
_Static_assert(offsetof(struct boot_info, tsc_info) == BOOTINFO_OFF_TSC_INFO, "tsc_info");
_Static_assert(offsetof(struct boot_info, tsc_handoff) == BOOTINFO_OFF_TSC_HANDOFF, "tsc_handoff");
_Static_assert(offsetof(struct boot_info, e820) == BOOTINFO_HEADER_SIZE, "header size");
#endif

#endif
