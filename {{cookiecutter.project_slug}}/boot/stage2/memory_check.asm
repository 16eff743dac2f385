; memory_check: make sure RAM reaches the end of the kernel's areas before
; anything is copied there, else halt with "not enough memory".
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

memory_check:
        mov ah, 0x88
        clc
        int 0x15
        jc .unknown
        cmp ax, NEEDED_KIB
        jb .too_little
.unknown:
        ret
.too_little:
        push ax
        mov si, msg_stage2
        call print
        mov si, msg_memory
        call print
        pop ax
        movzx eax, ax
        call print_hex
        mov si, msg_memory_needed
        call print
        mov eax, NEEDED_KIB
        call print_hex
        call print_crlf
        jmp halt_forever

msg_memory:        db "not enough memory: the BIOS reports ", 0
msg_memory_needed: db " KiB above 1 MiB, the kernel's areas need ", 0
