; The last instructions of the loader, copied to a page below 2 MiB before
; they run: loading CR3 switches to the kernel's boot page tables, which
; map only physical [0, 2 MiB) (at 0 and at the kernel base), so the code
; doing it must sit there; the loader image itself may be anywhere.
;
; trampoline(cr3 = RCX, kernel entry = RDX, boot information = R8,
;         stack top = R9), Microsoft x64 convention; never returns.
; The kernel gets RDI = boot information, as from stage2.
; Position independent: no absolute addresses inside.

        bits 64
        section .text
        global trampoline_start
        global trampoline_end

trampoline_start:
        mov cr3, rcx
        mov rsp, r9
        mov rdi, r8
        jmp rdx
trampoline_end:
