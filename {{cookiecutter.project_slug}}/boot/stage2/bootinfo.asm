; bootinfo_init: start the boot-information block at LAYOUT_E820_BUFFER.
;
; Called once the kernel is loaded: the block overlays the FAT buffer.
; The E820 entries and the RSDP are added by the steps that follow.

%define E820_MAX_ENTRIES ((LAYOUT_E820_BUFFER_SIZE - BOOTINFO_HEADER_SIZE) / E820_ENTRY_SIZE)

bootinfo_init:
        mov di, LAYOUT_E820_BUFFER
        mov cx, BOOTINFO_HEADER_SIZE / 2
        xor ax, ax
        rep stosw
        mov dword [LAYOUT_E820_BUFFER + BOOTINFO_OFF_MAGIC], BOOTINFO_MAGIC & 0xFFFFFFFF
        mov dword [LAYOUT_E820_BUFFER + BOOTINFO_OFF_MAGIC + 4], BOOTINFO_MAGIC >> 32
        mov dword [LAYOUT_E820_BUFFER + BOOTINFO_OFF_VERSION], BOOTINFO_VERSION
        mov dword [LAYOUT_E820_BUFFER + BOOTINFO_OFF_HEADER_SIZE], BOOTINFO_HEADER_SIZE
        mov dword [LAYOUT_E820_BUFFER + BOOTINFO_OFF_E820_MAX], E820_MAX_ENTRIES
        mov dword [LAYOUT_E820_BUFFER + BOOTINFO_OFF_FIRMWARE], BOOTINFO_FIRMWARE_BIOS
        movzx eax, byte [boot_drive]
        mov [LAYOUT_E820_BUFFER + BOOTINFO_OFF_BOOT_DRIVE], eax
        mov dword [LAYOUT_E820_BUFFER + BOOTINFO_OFF_KERNEL_PHYS], LAYOUT_KERNEL_LOAD_ADDR
        mov eax, [kernel_size]
        mov [LAYOUT_E820_BUFFER + BOOTINFO_OFF_KERNEL_SIZE], eax
        mov eax, [tsc_stage2]
        mov [LAYOUT_E820_BUFFER + BOOTINFO_OFF_TSC_STAGE2], eax
        mov eax, [tsc_stage2 + 4]
        mov [LAYOUT_E820_BUFFER + BOOTINFO_OFF_TSC_STAGE2 + 4], eax
        mov eax, [tsc_loaded]
        mov [LAYOUT_E820_BUFFER + BOOTINFO_OFF_TSC_LOADED], eax
        mov eax, [tsc_loaded + 4]
        mov [LAYOUT_E820_BUFFER + BOOTINFO_OFF_TSC_LOADED + 4], eax
        ret
