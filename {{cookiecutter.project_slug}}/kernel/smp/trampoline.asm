; The AP trampoline: where a STARTUP IPI starts another CPU, in real mode at
; CS = vector << 8, IP = 0 (Intel SDM vol. 3A, 8.4.4 "MP Initialization
; Example"). It is assembled on its own (nasm -f bin) to run at
; LAYOUT_SMP_TRAMPOLINE; smp/trampoline.c copies it there and fills in its
; arguments and the three tables after it. It uses no stack and writes no
; memory, so any number of CPUs may run it at once.
;
; Real mode -> protected mode (its own GDT) -> PAE paging on the trampoline's
; PML4, which maps physical [0, 2 MiB) 1:1 and the kernel's half as the
; kernel's PML4 does -> long mode -> smp_ap_entry in the kernel
; (ap_entry.asm), which switches to the kernel's own tables.

%include "layout.inc"

%define TRAMPOLINE       LAYOUT_SMP_TRAMPOLINE
%define TRAMPOLINE_PML4  (TRAMPOLINE + 0x1000) ; smp/trampoline.h
%define ARGS_OFFSET      8                     ; TRAMPOLINE_ARGS_OFFSET
%define CR0_PE           1
%define MSR_IA32_EFER    0xC0000080
%define SEL_CODE32       0x08
%define SEL_DATA         0x10
%define SEL_CODE64       0x18

        org TRAMPOLINE
        bits 16
start:
        jmp short real_mode
        times ARGS_OFFSET - ($ - $$) db 0
; struct trampoline_args (smp/trampoline.h), written by the boot CPU.
args_entry:     dq 0                    ; kernel address of smp_ap_entry
args_cr0:       dd 0                    ; the boot CPU's CR0: PG, PE, WP, ...
args_cr4:       dd 0                    ; the boot CPU's CR4: PAE, ...
args_efer:      dd 0                    ; EFER bits to set: LME, NXE
args_reserved:  dd 0

real_mode:
        cli
        cld
        mov ax, cs                      ; CS = TRAMPOLINE >> 4
        mov ds, ax
        lgdt [gdt_pointer - TRAMPOLINE]
        mov eax, cr0
        or eax, CR0_PE
        mov cr0, eax
        jmp dword SEL_CODE32:protected_mode

        bits 32
protected_mode:
        mov ax, SEL_DATA
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov eax, [args_cr4]
        mov cr4, eax
        mov eax, TRAMPOLINE_PML4
        mov cr3, eax
        mov ecx, MSR_IA32_EFER
        rdmsr
        or eax, [args_efer]
        wrmsr
        mov eax, [args_cr0]             ; paging on: long mode, compatibility
        mov cr0, eax
        jmp SEL_CODE64:long_mode

        bits 64
long_mode:
        ; The GDT again, at its kernel-window address, which the kernel's
        ; tables map too (this page's 1:1 address is gone after CR3 changes).
        lgdt [gdt_pointer64]
        mov rax, [args_entry]
        jmp rax

        align 16
gdt:
        dq 0                            ; null
        dq 0x00CF9A000000FFFF           ; 0x08: 32-bit code, 4 GiB
        dq 0x00CF92000000FFFF           ; 0x10: data, 4 GiB
        dq 0x00AF9A000000FFFF           ; 0x18: 64-bit code
gdt_end:
gdt_pointer:
        dw gdt_end - gdt - 1
        dd gdt
gdt_pointer64:
        dw gdt_end - gdt - 1
        dq LAYOUT_KERNEL_VIRT_BASE + gdt

%if args_entry - start != ARGS_OFFSET
%error "trampoline: the arguments must start at TRAMPOLINE_ARGS_OFFSET"
%endif
%if $ - $$ > 0x1000
%error "trampoline: the code outgrows its page"
%endif
