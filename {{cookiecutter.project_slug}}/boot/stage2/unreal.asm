; The loader's GDT, and unreal mode.
;
; Unreal mode: load DS and ES with a flat 4 GiB data descriptor in protected
; mode, then return to real mode. The CPU keeps the 4 GiB limit in the
; hidden part of the segment registers, so real-mode code (and the BIOS) keeps
; working while 32-bit addresses reach above 1 MiB. Some BIOS calls switch
; modes and reset the limit, so callers re-enter unreal mode before each use.
; unreal_enter returns with interrupts off, and callers keep them off while
; they use 32-bit addresses: an interrupt handler may reload DS or ES (and
; so the limit) or change the upper halves of ESI, EDI and ECX. They turn
; interrupts back on (sti) before the next BIOS call.
;
; The same GDT is used to enter long mode. A 16-bit LGDT loads a 24-bit base:
; this table must lie below 16 MiB, which it does inside the stage2 area.

%define SEL_CODE64      0x08
%define SEL_DATA        0x10
%define CR0_PE          0x00000001

        align 8
gdt:
        dq 0                            ; null descriptor
        dq 0x00AF9A000000FFFF           ; 0x08: 64-bit code, DPL 0
        dq 0x00CF92000000FFFF           ; 0x10: flat 4 GiB data, DPL 0
gdt_end:
gdt_pointer:
        dw gdt_end - gdt - 1
        dd gdt

; unreal_enter: DS and ES get a 4 GiB limit (and keep base 0). Returns with
; interrupts disabled and NMI masked (no NMI while in protected mode).
unreal_enter:
        pushad
        push ds
        push es
        cli
        call nmi_mask                   ; long_mode.asm
        lgdt [gdt_pointer]
        mov eax, cr0
        or al, CR0_PE
        mov cr0, eax
        mov bx, SEL_DATA
        mov ds, bx
        mov es, bx
        and al, ~CR0_PE
        mov cr0, eax
        pop es
        pop ds
        popad
        ret
