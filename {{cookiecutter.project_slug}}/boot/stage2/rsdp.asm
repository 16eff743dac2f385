; rsdp_find: locate the ACPI RSDP while the BIOS areas are still intact.
;
; ACPI 6.x section 5.2.5.1: on BIOS systems the RSDP is on a 16-byte
; boundary in the first KiB of the EBDA or in 0xE0000-0xFFFFF. It starts
; with "RSD PTR " and its first 20 bytes sum to zero. The address and a copy
; go into the boot information; the kernel validates the rest (revision 2+
; extended checksum) itself. Not finding one is not an error.

%define BDA_EBDA_SEGMENT        0x040E  ; u16: EBDA segment in the BIOS data area
%define EBDA_SEARCH_SIZE        1024
%define BIOS_AREA_START         0xE0000
%define BIOS_AREA_END           0x100000
%define RSDP_SIG_LOW            0x20445352      ; "RSD "
%define RSDP_SIG_HIGH           0x20525450      ; "PTR "
%define RSDP_V1_SIZE            20
%define CONVENTIONAL_END        0xA0000

rsdp_find:
        call unreal_enter               ; interrupts off while scanning
        movzx esi, word [BDA_EBDA_SEGMENT]
        shl esi, 4
        jz .bios_area
        cmp esi, CONVENTIONAL_END
        jae .bios_area
        mov ecx, EBDA_SEARCH_SIZE / 16
        call rsdp_scan
        jnc .found
.bios_area:
        mov esi, BIOS_AREA_START
        mov ecx, (BIOS_AREA_END - BIOS_AREA_START) / 16
        call rsdp_scan
        jnc .found
        sti
        mov si, msg_no_rsdp
        call print_line
        ret
.found:
        mov [LAYOUT_E820_BUFFER + BOOTINFO_OFF_RSDP_ADDR], esi
        push esi
        mov edi, LAYOUT_E820_BUFFER + BOOTINFO_OFF_RSDP_COPY
        mov ecx, BOOTINFO_RSDP_COPY_SIZE
        a32 rep movsb
        sti
        mov si, msg_rsdp
        call print
        pop eax
        call print_hex
        call print_crlf
        ret

; rsdp_scan: look at ECX 16-byte slots from ESI. CF clear and ESI at the
; RSDP when found.
rsdp_scan:
.slot:
        cmp dword [esi], RSDP_SIG_LOW
        jne .next
        cmp dword [esi + 4], RSDP_SIG_HIGH
        jne .next
        xor al, al
        xor edx, edx
.sum:
        add al, [esi + edx]
        inc edx
        cmp edx, RSDP_V1_SIZE
        jb .sum
        test al, al
        jz .hit
.next:
        add esi, 16
        dec ecx
        jnz .slot
        stc
        ret
.hit:
        clc
        ret

msg_rsdp:       db "stage2: ACPI RSDP at ", 0
msg_no_rsdp:    db "stage2: no ACPI RSDP found (the kernel will note it)", 0
