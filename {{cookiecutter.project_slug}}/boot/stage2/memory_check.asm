; memory_check: make sure RAM reaches the end of the kernel's areas before
; anything is copied there, and that everything the loader and the kernel
; write in conventional memory ends below the EBDA, else halt with "not
; enough memory".
;
; The EBDA is the BIOS's for good: its SMM code may use it while the kernel
; runs. It starts at the lower of two figures, since some BIOSes' INT 12h
; does not account for it: INT 12h (KiB of conventional memory the BIOS
; leaves free; option ROMs' reservations start there too) and the EBDA
; segment in the BIOS data area at 0x40E (0 or a value at or above 640 KiB
; means none). The FAT, E820 and disk read buffers, stage2 and its stack,
; the boot page tables and the PMM bootstrap pages must end at or below it.
;
; INT 15h AH=88h returns the KiB of contiguous memory from 1 MiB up (capped
; near 64 MiB, plenty for this check). It is asked before the E820 map
; because the E820 buffer is still the FAT buffer at this point. A BIOS that
; does not know the call skips the check; the kernel checks the E820 map
; itself (pmm_init).

%define ONE_MIB 0x100000
%assign KERNEL_AREAS_END LAYOUT_KERNEL_AREA_END
%if LAYOUT_KERNEL_STACK_BASE + LAYOUT_KERNEL_STACK_SIZE > KERNEL_AREAS_END
  %assign KERNEL_AREAS_END LAYOUT_KERNEL_STACK_BASE + LAYOUT_KERNEL_STACK_SIZE
%endif
%if LAYOUT_KERNEL_BSS_BASE + LAYOUT_KERNEL_BSS_SIZE > KERNEL_AREAS_END
  %assign KERNEL_AREAS_END LAYOUT_KERNEL_BSS_BASE + LAYOUT_KERNEL_BSS_SIZE
%endif
%define NEEDED_KIB ((KERNEL_AREAS_END - ONE_MIB) / 1024)

%define CONVENTIONAL_END 0xA0000
%define CONVENTIONAL_KIB (CONVENTIONAL_END / 1024)
%define BDA_EBDA_SEGMENT 0x040E         ; u16: EBDA segment, 0 if none
%define SEGMENT_TO_KIB   6              ; segment * 16 / 1024
; The highest end among the regions written in conventional memory (a
; layout may put the stack, tables and PMM pages above 1 MiB instead).
%assign LOW_AREAS_END LAYOUT_STAGE2_END
%macro low_area 1
  %if (%1) <= CONVENTIONAL_END && (%1) > LOW_AREAS_END
    %assign LOW_AREAS_END (%1)
  %endif
%endmacro
low_area LAYOUT_FAT_BUFFER + LAYOUT_FAT_BUFFER_SIZE
low_area LAYOUT_E820_BUFFER + LAYOUT_E820_BUFFER_SIZE
low_area LAYOUT_DISK_BUFFER_ADDR + LAYOUT_DISK_BUFFER_SIZE
low_area LAYOUT_STAGE2_STACK_TOP
low_area LAYOUT_BOOT_PAGE_TABLES + LAYOUT_BOOT_PAGE_TABLES_SIZE
low_area LAYOUT_PMM_BOOTSTRAP + LAYOUT_PMM_BOOTSTRAP_SIZE
%define LOW_NEEDED_KIB ((LOW_AREAS_END + 1023) / 1024)
; Fault injection: SMALL_LOW_MEMORY makes INT 12h report 512 KiB, as a large
; EBDA would; LOW_EBDA_POINTER makes the BDA put the EBDA at 512 KiB while
; INT 12h reports it all free, as some BIOSes do; EBDA_608K makes INT 12h
; report 608 KiB and fills the memory from there to the real EBDA with a
; pattern that must survive the boot (tests read it back).
%define INJECTED_LOW_KIB 512
%define INJECTED_EBDA_SEGMENT 0x8000
%define INJECTED_608K_KIB 608
%define INJECTED_PATTERN 0x41444245     ; "EBDA"

memory_check:
        call ebda_start_kib             ; AX = KiB below the EBDA
        cmp ax, LOW_NEEDED_KIB
        jb .too_little_low
        mov ah, 0x88
        clc
        int 0x15
        jc .unknown
        cmp ax, NEEDED_KIB
        jb .too_little
.unknown:
        ret
.too_little:
        mov si, msg_memory
        mov di, msg_memory_needed
        mov ebx, NEEDED_KIB
        jmp .report
.too_little_low:
        mov si, msg_low_memory
        mov di, msg_low_memory_needed
        mov ebx, LOW_NEEDED_KIB
.report:
        movzx eax, ax
        jmp fail_figures

; ebda_start_kib: AX = where the EBDA starts, in KiB: the lower of INT 12h
; and the BDA's EBDA segment (when that lies below 640 KiB).
ebda_start_kib:
        push bx
        int 0x12
%ifdef INJECT_SMALL_LOW_MEMORY
        mov ax, INJECTED_LOW_KIB        ; fault-injection builds only
%endif
%ifdef INJECT_EBDA_608K
        mov ax, INJECTED_608K_KIB       ; fault-injection builds only
        call fill_above_608k
%endif
        mov bx, [BDA_EBDA_SEGMENT]
%ifdef INJECT_LOW_EBDA_POINTER
        mov bx, INJECTED_EBDA_SEGMENT   ; fault-injection builds only
%endif
        shr bx, SEGMENT_TO_KIB
        jz .done                        ; no EBDA pointer
        cmp bx, ax
        jae .done
        mov ax, bx
.done:
        pop bx
        ret

%ifdef INJECT_EBDA_608K
; fill_above_608k: the pattern over [608 KiB, the BIOS's own EBDA start).
fill_above_608k:
        pushad
        push es
        mov bx, [BDA_EBDA_SEGMENT]
        shr bx, SEGMENT_TO_KIB
        mov cx, CONVENTIONAL_KIB
        test bx, bx
        jz .sized
        mov cx, bx
.sized:
        sub cx, INJECTED_608K_KIB       ; KiB to fill
        shl cx, 8                       ; dwords (256 per KiB)
        mov ax, INJECTED_608K_KIB << SEGMENT_TO_KIB
        mov es, ax
        xor di, di
        mov eax, INJECTED_PATTERN
        rep stosd
        pop es
        popad
        ret
%endif

msg_memory:        db "not enough memory: the BIOS reports ", 0
msg_low_memory:    db "not enough conventional memory: the BIOS reports ", 0
msg_low_memory_needed: db " KiB below the EBDA, the loader's structures need ", 0
msg_memory_needed: db " KiB above 1 MiB, the kernel's areas need ", 0
