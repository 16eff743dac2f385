; cpu_check: make sure the CPU can run a 64-bit kernel, else halt.
;
; CPUID exists when EFLAGS.ID (bit 21) can be toggled. Long mode is bit 29
; of EDX from extended leaf 0x80000001 (Intel SDM vol. 2A, CPUID).

%define EFLAGS_ID               (1 << 21)
%define CPUID_EXT_MAX           0x80000000
%define CPUID_EXT_FEATURES      0x80000001
%define CPUID_EXT_EDX_LM        (1 << 29)

cpu_check:
%ifdef INJECT_NO_CPUID
        jmp .no_cpuid                   ; fault-injection builds only
%endif
        pushfd
        pop eax
        mov ecx, eax
        xor eax, EFLAGS_ID
        push eax
        popfd
        pushfd
        pop eax
        push ecx                        ; restore the original flags
        popfd
        xor eax, ecx
        test eax, EFLAGS_ID
        jz .no_cpuid

        mov eax, CPUID_EXT_MAX
        cpuid
        cmp eax, CPUID_EXT_FEATURES
        jb .no_long_mode
        mov eax, CPUID_EXT_FEATURES
        cpuid
        test edx, CPUID_EXT_EDX_LM
        jz .no_long_mode
        ret
.no_cpuid:
        mov si, msg_no_cpuid
        jmp fail
.no_long_mode:
        mov si, msg_no_long_mode
        jmp fail

msg_no_cpuid:     db "this CPU has no CPUID instruction; a 64-bit CPU is needed", 0
msg_no_long_mode: db "this CPU does not support long mode (64-bit)", 0
