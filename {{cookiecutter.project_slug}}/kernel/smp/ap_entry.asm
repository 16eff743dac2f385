; Where an application processor enters the kernel, from the trampoline
; (trampoline.asm), in long mode with interrupts off and no stack. Also
; holds the assembled trampoline, which smp/trampoline.c copies into place.

%include "layout.inc"

%define CPUID_TOPOLOGY 0xB              ; EDX: x2APIC id (SDM vol. 2A, CPUID)
%define CPUID_FEATURES 1                ; EBX bits 31..24: initial APIC id

        bits 64
        section .rodata
        global smp_trampoline_image
        global smp_trampoline_image_end
smp_trampoline_image:
        incbin "trampoline.bin"
smp_trampoline_image_end:

        section .text
        global smp_ap_entry
        extern smp_ap_main
        extern smp_kernel_cr3
        extern smp_apic_ids
        extern smp_stack_tops

smp_ap_entry:
        ; The kernel's own page tables: the trampoline's are shared by every
        ; starting CPU and go away with it.
        mov rax, [rel smp_kernel_cr3]
        mov cr3, rax

        ; Which CPU is this? Its APIC id, found in smp_apic_ids, gives its
        ; index, and the index its stack.
        xor eax, eax
        cpuid
        cmp eax, CPUID_TOPOLOGY
        jb .initial_id
        mov eax, CPUID_TOPOLOGY
        xor ecx, ecx
        cpuid
        test ebx, ebx                   ; leaf 0xB not implemented
        jz .initial_id
        mov esi, edx
        jmp .lookup
.initial_id:
        mov eax, CPUID_FEATURES
        cpuid
        shr ebx, 24
        mov esi, ebx
.lookup:
        lea rdi, [rel smp_apic_ids]
        xor ecx, ecx
.next:
        cmp ecx, LAYOUT_SMP_MAX_CPUS
        jae .unknown
        cmp [rdi + rcx * 4], esi
        je .found
        inc ecx
        jmp .next
.found:
        lea rdx, [rel smp_stack_tops]
        mov rsp, [rdx + rcx * 8]
        xor ebp, ebp                    ; the end of every backtrace
        mov edi, ecx
        call smp_ap_main                ; does not return
.unknown:                               ; not a CPU the kernel started
        cli
        hlt
        jmp .unknown
