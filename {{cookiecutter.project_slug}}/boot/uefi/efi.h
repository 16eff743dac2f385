/*
 * The UEFI declarations the loader uses, and no others: types, the system
 * table, boot services, and the protocols for console output, the loaded
 * image and the FAT file system. Layouts follow the UEFI specification 2.10
 * (chapter 4 "EFI System Table", 7 "Services - Boot Services", 9 "Protected
 * Images", 12 "Console Support", 13 "Media Access"). Function-table members
 * the loader never calls are kept as placeholders so that the ones it does
 * call sit at the offsets the firmware uses.
 *
 * UEFI calls use the Microsoft x64 convention (EFIAPI); strings are UCS-2
 * (CHAR16, hence -fshort-wchar).
 */
#ifndef UEFI_EFI_H
#define UEFI_EFI_H

#include <stddef.h>
#include <stdint.h>

#define EFIAPI __attribute__((ms_abi))

typedef uint64_t efi_status;
typedef void *efi_handle;
typedef uint16_t char16;
typedef uint64_t efi_physical_address;

/* Status codes: errors have the top bit set (spec appendix D). */
#define EFI_ERROR_BIT         (1ULL << 63)
#define EFI_SUCCESS           0
#define EFI_LOAD_ERROR        (EFI_ERROR_BIT | 1)
#define EFI_INVALID_PARAMETER (EFI_ERROR_BIT | 2)
#define EFI_BUFFER_TOO_SMALL  (EFI_ERROR_BIT | 5)
#define EFI_NOT_FOUND         (EFI_ERROR_BIT | 14)
#define EFI_ABORTED           (EFI_ERROR_BIT | 21)
#define EFI_IS_ERROR(status)  (((status)&EFI_ERROR_BIT) != 0)

struct efi_guid {
  uint32_t data1;
  uint16_t data2;
  uint16_t data3;
  uint8_t data4[8];
};

struct efi_table_header {
  uint64_t signature;
  uint32_t revision;
  uint32_t header_size;
  uint32_t crc32;
  uint32_t reserved;
};

/* ---- GUIDs of the protocols and tables used (as the spec writes them) ---- */

/* clang-format off */
#define EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID \
  {0x387477C2, 0x69C7, 0x11D2, {0x8E, 0x39, 0x00, 0xA0, 0xC9, 0x69, 0x72, 0x3B}}
/* configuration table: ACPI 2.0+ RSDP (4.6) */
#define EFI_ACPI_20_TABLE_GUID \
  {0x8868E871, 0xE4F1, 0x11D3, {0xBC, 0x22, 0x00, 0x80, 0xC7, 0x3C, 0x88, 0x81}}
/* configuration table: ACPI 1.0 RSDP */
#define EFI_ACPI_10_TABLE_GUID \
  {0xEB9D2D30, 0x2D88, 0x11D3, {0x9A, 0x16, 0x00, 0x90, 0x27, 0x3F, 0xC1, 0x4D}}
#define EFI_DEVICE_PATH_PROTOCOL_GUID \
  {0x09576E91, 0x6D3F, 0x11D2, {0x8E, 0x39, 0x00, 0xA0, 0xC9, 0x69, 0x72, 0x3B}}
#define EFI_LOADED_IMAGE_PROTOCOL_GUID \
  {0x5B1B31A1, 0x9562, 0x11D2, {0x8E, 0x3F, 0x00, 0xA0, 0xC9, 0x69, 0x72, 0x3B}}
#define EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID \
  {0x964E5B22, 0x6459, 0x11D2, {0x8E, 0x39, 0x00, 0xA0, 0xC9, 0x69, 0x72, 0x3B}}
/* File Protocol GetInfo: struct efi_file_info */
#define EFI_FILE_INFO_GUID \
  {0x09576E92, 0x6D3F, 0x11D2, {0x8E, 0x39, 0x00, 0xA0, 0xC9, 0x69, 0x72, 0x3B}}
/* clang-format on */

/* ---- Memory (7.2 "Memory Allocation Services") --------------------------- */

enum efi_allocate_type {
  EFI_ALLOCATE_ANY_PAGES,
  EFI_ALLOCATE_MAX_ADDRESS, /* anywhere at or below the given address */
  EFI_ALLOCATE_ADDRESS,     /* exactly at the given address, or fail */
};

/* EFI_MEMORY_TYPE: what a range of the memory map holds. */
#define EFI_RESERVED_MEMORY_TYPE        0
#define EFI_LOADER_CODE                 1
#define EFI_LOADER_DATA                 2
#define EFI_BOOT_SERVICES_CODE          3
#define EFI_BOOT_SERVICES_DATA          4
#define EFI_RUNTIME_SERVICES_CODE       5
#define EFI_RUNTIME_SERVICES_DATA       6
#define EFI_CONVENTIONAL_MEMORY         7
#define EFI_UNUSABLE_MEMORY             8
#define EFI_ACPI_RECLAIM_MEMORY         9
#define EFI_ACPI_MEMORY_NVS             10
#define EFI_MEMORY_MAPPED_IO            11
#define EFI_MEMORY_MAPPED_IO_PORT_SPACE 12
#define EFI_PAL_CODE                    13
#define EFI_PERSISTENT_MEMORY           14
#define EFI_UNACCEPTED_MEMORY           15

#define EFI_PAGE_SIZE 4096

/*
 * One memory-map entry. The firmware's entries may be larger than this
 * struct (GetMemoryMap returns the real stride): step by that, never by
 * sizeof.
 */
struct efi_memory_descriptor {
  uint32_t type; /* EFI_* memory type above */
  uint32_t pad;
  efi_physical_address physical_start;
  uint64_t virtual_start;
  uint64_t number_of_pages; /* 4 KiB pages */
  uint64_t attribute;
};

/* ---- Console output (12.4 "Simple Text Output Protocol") ----------------- */

struct efi_simple_text_output_protocol {
  void *reset;
  efi_status(EFIAPI *output_string)(
      struct efi_simple_text_output_protocol *self, const char16 *string);
  /* test_string, query_mode, set_mode, set_attribute, clear_screen,
     set_cursor_position, enable_cursor, mode follow; unused. */
};

/* ---- Boot services (7 "Services - Boot Services") ------------------------ */

enum efi_locate_search_type {
  EFI_ALL_HANDLES,
  EFI_BY_REGISTER_NOTIFY,
  EFI_BY_PROTOCOL, /* every handle that has the protocol */
};

struct efi_boot_services {
  struct efi_table_header hdr;
  void *raise_tpl;
  void *restore_tpl;
  efi_status(EFIAPI *allocate_pages)(enum efi_allocate_type type,
                                     uint32_t memory_type, uint64_t pages,
                                     efi_physical_address *memory);
  efi_status(EFIAPI *free_pages)(efi_physical_address memory, uint64_t pages);
  efi_status(EFIAPI *get_memory_map)(uint64_t *map_size,
                                     struct efi_memory_descriptor *map,
                                     uint64_t *map_key,
                                     uint64_t *descriptor_size,
                                     uint32_t *descriptor_version);
  efi_status(EFIAPI *allocate_pool)(uint32_t memory_type, uint64_t size,
                                    void **buffer);
  efi_status(EFIAPI *free_pool)(void *buffer);
  void *create_event;
  void *set_timer;
  void *wait_for_event;
  void *signal_event;
  void *close_event;
  void *check_event;
  void *install_protocol_interface;
  void *reinstall_protocol_interface;
  void *uninstall_protocol_interface;
  efi_status(EFIAPI *handle_protocol)(efi_handle handle,
                                      const struct efi_guid *protocol,
                                      void **interface);
  void *reserved;
  void *register_protocol_notify;
  void *locate_handle;
  void *locate_device_path;
  void *install_configuration_table;
  void *load_image;
  void *start_image;
  void *exit;
  void *unload_image;
  efi_status(EFIAPI *exit_boot_services)(efi_handle image, uint64_t map_key);
  void *get_next_monotonic_count;
  void *stall;
  void *set_watchdog_timer;
  void *connect_controller;
  void *disconnect_controller;
  void *open_protocol;
  void *close_protocol;
  void *open_protocol_information;
  void *protocols_per_handle;
  efi_status(EFIAPI *locate_handle_buffer)(enum efi_locate_search_type type,
                                           const struct efi_guid *protocol,
                                           void *search_key,
                                           uint64_t *handle_count,
                                           efi_handle **handles);
  /* locate_protocol and later: unused. */
};

/* ---- System table (4.3) -------------------------------------------------- */

struct efi_configuration_table {
  struct efi_guid vendor_guid;
  void *vendor_table;
};

struct efi_system_table {
  struct efi_table_header hdr;
  char16 *firmware_vendor;
  uint32_t firmware_revision;
  efi_handle console_in_handle;
  void *con_in;
  efi_handle console_out_handle;
  struct efi_simple_text_output_protocol *con_out;
  efi_handle standard_error_handle;
  struct efi_simple_text_output_protocol *std_err;
  void *runtime_services;
  struct efi_boot_services *boot_services;
  uint64_t number_of_table_entries;
  struct efi_configuration_table *configuration_table;
};

/* ---- Device paths (10.2, 10.3): where a handle's device sits ------------- */

/* One node; nodes follow each other, each length bytes long. */
struct efi_device_path {
  uint8_t type;
  uint8_t subtype;
  uint8_t length[2]; /* little endian, this node included */
};

#define EFI_DEVICE_PATH_END            0x7F /* type of the last node */
#define EFI_DEVICE_PATH_MESSAGING      0x03
#define EFI_DEVICE_PATH_MESSAGING_UART 14 /* a serial port */

/* ---- Loaded image (9.1): where the loader itself came from --------------- */

struct efi_loaded_image_protocol {
  uint32_t revision;
  efi_handle parent_handle;
  struct efi_system_table *system_table;
  efi_handle device_handle; /* the partition the image was read from */
  /* file_path and later: unused. */
};

/* ---- File system (13.4 "Simple File System", 13.5 "File Protocol") ------- */

#define EFI_FILE_MODE_READ 1

struct efi_file_protocol {
  uint64_t revision;
  efi_status(EFIAPI *open)(struct efi_file_protocol *self,
                           struct efi_file_protocol **new_handle,
                           const char16 *file_name, uint64_t open_mode,
                           uint64_t attributes);
  efi_status(EFIAPI *close)(struct efi_file_protocol *self);
  void *delete_file;
  efi_status(EFIAPI *read)(struct efi_file_protocol *self,
                           uint64_t *buffer_size, void *buffer);
  void *write;
  void *get_position;
  void *set_position;
  efi_status(EFIAPI *get_info)(struct efi_file_protocol *self,
                               const struct efi_guid *information_type,
                               uint64_t *buffer_size, void *buffer);
  /* set_info and later: unused. */
};

struct efi_simple_file_system_protocol {
  uint64_t revision;
  efi_status(EFIAPI *open_volume)(struct efi_simple_file_system_protocol *self,
                                  struct efi_file_protocol **root);
};

struct efi_time {
  uint8_t bytes[16]; /* year .. daylight; the loader reads none of it */
};

/* The fixed part of EFI_FILE_INFO; the file name (CHAR16) follows it. */
struct efi_file_info {
  uint64_t size; /* of this structure, name included */
  uint64_t file_size;
  uint64_t physical_size;
  struct efi_time create_time;
  struct efi_time last_access_time;
  struct efi_time modification_time;
  uint64_t attribute;
};

#endif
