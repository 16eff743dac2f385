; Interrupt and exception entry stubs: one per vector, all 256, so that no
; vector is without a gate (a stray vector is reported instead of turning
; into a #GP and then a #DF).
;
; The CPU pushes SS, RSP, RFLAGS, CS, RIP and, for some exceptions, an error
; code (Intel SDM vol. 3A, 6.14.2 "64-Bit Mode Stack Frame"; table 6-1 lists
; which vectors push one). The stubs push a 0 where the CPU does not, then the
; vector number, so every frame has the same shape: struct trap_frame in
; trap.h. trap_common saves the general registers, calls
; trap_dispatch(frame) and returns with IRETQ.

        bits 64
        section .text
        global trap_stub_table
        extern trap_dispatch

; Vectors whose exception pushes an error code: #DF 8, #TS 10, #NP 11,
; #SS 12, #GP 13, #PF 14, #AC 17, #CP 21 (SDM table 6-1), and the AMD
; #VC 29 and #SX 30 (AMD APM vol. 2, table 8-1).
%macro TRAP_STUB 1
trap_stub_%1:
%if (%1 == 8) || (%1 >= 10 && %1 <= 14) || (%1 == 17) || (%1 == 21) || (%1 == 29) || (%1 == 30)
%else
        push qword 0                    ; no error code: keep the frame shape
%endif
        push qword %1                   ; the vector
        jmp trap_common
%endmacro

%assign vector 0
%rep 256
        TRAP_STUB vector
%assign vector vector + 1
%endrep

; The frame is 16-byte aligned here: the CPU aligns RSP before pushing its
; 5 (or 6 with the error code) quadwords, and the stubs make it 7, plus 15
; registers = 22 quadwords (176 bytes).
trap_common:
        push rax
        push rbx
        push rcx
        push rdx
        push rsi
        push rdi
        push rbp
        push r8
        push r9
        push r10
        push r11
        push r12
        push r13
        push r14
        push r15
        cld
        mov rdi, rsp
        call trap_dispatch
        pop r15
        pop r14
        pop r13
        pop r12
        pop r11
        pop r10
        pop r9
        pop r8
        pop rbp
        pop rdi
        pop rsi
        pop rdx
        pop rcx
        pop rbx
        pop rax
        add rsp, 16                     ; the vector and the error code
        iretq

        section .rodata
        align 8
trap_stub_table:
%assign vector 0
%rep 256
        dq trap_stub_ %+ vector
%assign vector vector + 1
%endrep
