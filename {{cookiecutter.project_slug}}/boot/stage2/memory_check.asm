; memory_check: make sure RAM reaches the end of the kernel's areas before
; anything is copied there, and that conventional memory (below 640 KiB,
; up to the EBDA) holds the loader's structures that outlive the BIOS,
; else halt with "not enough memory".
;
; INT 12h returns the KiB of conventional memory the BIOS leaves free: the
; EBDA and anything an option ROM reserved start there. The E820 buffer,
; stage2 and its stack, and the PMM bootstrap pages (still in use by the
; kernel) must end below it. The boot page tables are left out on purpose:
; the default layout puts them over the top KiB, where QEMU and Bochs keep
; their EBDA (docs/MemoryMap.md), after the last BIOS call.
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
; The highest end among those structures that lie in conventional memory
; (a layout may put the stack and the PMM pages above 1 MiB instead).
%assign LOW_AREAS_END LAYOUT_STAGE2_END
%macro low_area 1
  %if (%1) <= CONVENTIONAL_END && (%1) > LOW_AREAS_END
    %assign LOW_AREAS_END (%1)
  %endif
%endmacro
low_area LAYOUT_E820_BUFFER + LAYOUT_E820_BUFFER_SIZE
low_area LAYOUT_STAGE2_STACK_TOP
low_area LAYOUT_PMM_BOOTSTRAP + LAYOUT_PMM_BOOTSTRAP_SIZE
%define LOW_NEEDED_KIB ((LOW_AREAS_END + 1023) / 1024)
; Fault injection (make LOADER_FAULT=SMALL_LOW_MEMORY): pretend the BIOS
; reserved conventional memory down to 512 KiB, as a large EBDA would.
%define INJECTED_LOW_KIB 512

memory_check:
        int 0x12                        ; AX = KiB below the EBDA
%ifdef INJECT_SMALL_LOW_MEMORY
        mov ax, INJECTED_LOW_KIB        ; fault-injection builds only
%endif
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

msg_memory:        db "not enough memory: the BIOS reports ", 0
msg_low_memory:    db "not enough conventional memory: the BIOS reports ", 0
msg_low_memory_needed: db " KiB below the EBDA, the loader's structures need ", 0
msg_memory_needed: db " KiB above 1 MiB, the kernel's areas need ", 0
