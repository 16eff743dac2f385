; stage2: the real-mode loader.
;
; Stage1 jumps here (segment 0, boot drive in DL) with the boot sector, and
; so the BPB, still at 0x7C00. Stage2 then works through the steps below in
; order; each step halts with a message on screen and COM1 if it fails.
; The order matters: the FAT buffer is reused for the boot information once
; the kernel is loaded, and the page tables are built only after the last
; BIOS call (a layout may put them over memory a BIOS call still uses).
; Nothing is ever written at or above the EBDA (memory_check).

%include "layout.inc"
%include "bootinfo.inc"

        bits 16
        org LAYOUT_STAGE2_ADDR

stage2_start:
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7C00
        sti
        cld
        mov [boot_drive], dl

%ifdef INJECT_BIOS_CLOBBERS_HIGH
        call bios_clobber_install       ; fault-injection builds only
%endif
        call serial_init
        mov si, msg_started
        call print_line

        call cpu_check                  ; CPUID and long mode, else halt
        call memory_check               ; RAM up to the kernel's areas, else halt
        rdtsc
        mov [tsc_stage2], eax
        mov [tsc_stage2 + 4], edx

        call disk_init                  ; extensions or CHS, and the geometry
        call a20_enable                 ; needed to copy above 1 MiB
        call kernel_load                ; KERNEL.BIN -> LAYOUT_KERNEL_LOAD_ADDR
        rdtsc
        mov [tsc_loaded], eax
        mov [tsc_loaded + 4], edx

        call bootinfo_init              ; the FAT buffer is free from here on
        call e820_collect
        call rsdp_find                  ; the EBDA's first KiB, then the BIOS area
        rdtsc
        mov [LAYOUT_E820_BUFFER + BOOTINFO_OFF_TSC_INFO], eax
        mov [LAYOUT_E820_BUFFER + BOOTINFO_OFF_TSC_INFO + 4], edx

        call floppy_motor_off           ; the BIOS timer would have, later
        mov si, msg_long_mode
        call print_line
        call serial_drain
        ; No BIOS calls after this point.
        call boot_tables_build
        rdtsc
        mov [LAYOUT_E820_BUFFER + BOOTINFO_OFF_TSC_HANDOFF], eax
        mov [LAYOUT_E820_BUFFER + BOOTINFO_OFF_TSC_HANDOFF + 4], edx
        jmp long_mode_enter

%include "print.asm"
%include "cpu.asm"
%include "memory_check.asm"
%include "a20.asm"
%include "unreal.asm"
%include "disk.asm"
%include "kernel_load.asm"
%include "bootinfo.asm"
%include "e820.asm"
%include "rsdp.asm"
%include "long_mode.asm"

msg_started:    db "stage2: started", 0
msg_long_mode:  db "stage2: entering long mode", 0

boot_drive:     db 0
                align 4
tsc_stage2:     dq 0
tsc_loaded:     dq 0

stage2_end:
