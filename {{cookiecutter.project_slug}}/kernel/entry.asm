; The kernel's first instructions: stage2 jumps here in long mode with
; interrupts off, the boot page tables in CR3 and the boot information's
; (virtual) address in RDI.
;
; The entry stub gives the kernel its own stack and GDT, clears the BSS and
; calls kmain. It is linked first in the image, at the kernel's load address.

%include "layout.inc"

%define KERNEL_STACK_TOP (LAYOUT_KERNEL_VIRT_BASE + LAYOUT_KERNEL_STACK_BASE + LAYOUT_KERNEL_STACK_SIZE)
%define SEL_KERNEL_CODE 0x08
%define SEL_KERNEL_DATA 0x10

        bits 64
        section .text.entry
        global kernel_entry
        extern kmain
        extern __bss_start
        extern __bss_end

kernel_entry:
        cli
        cld
        mov rsp, KERNEL_STACK_TOP
        mov rbx, rdi                    ; keep the boot information pointer

        ; The BSS area is not part of KERNEL.BIN: zero it (its size is a
        ; multiple of 8, see kernel.ld).
        mov rdi, __bss_start
        mov rcx, __bss_end
        sub rcx, rdi
        shr rcx, 3
        xor eax, eax
        rep stosq

        ; Stage2's GDT lives in the stage2 area, which the kernel does not
        ; own: switch to a table inside the kernel image. gdt_init (gdt.c)
        ; later replaces it with the full GDT and TSS, keeping these
        ; selectors (GDT_SEL_KERNEL_CODE/DATA in gdt.h).
        lgdt [rel gdt_pointer]
        push SEL_KERNEL_CODE
        lea rax, [rel .reload_cs]
        push rax
        retfq
.reload_cs:
        mov ax, SEL_KERNEL_DATA
        mov ds, ax
        mov es, ax
        mov ss, ax
        xor ax, ax
        mov fs, ax
        mov gs, ax

        mov rdi, rbx
        call kmain
.halt:                                  ; kmain does not return
        cli
        hlt
        jmp .halt

        section .rodata
        align 8
gdt:
        dq 0                            ; null descriptor
        dq 0x00AF9A000000FFFF           ; 0x08: 64-bit code, DPL 0
        dq 0x00CF92000000FFFF           ; 0x10: data, DPL 0
gdt_end:
        align 8
        dw 0, 0, 0                      ; pad so the base below is 8-byte aligned
gdt_pointer:
        dw gdt_end - gdt - 1
        dq gdt
