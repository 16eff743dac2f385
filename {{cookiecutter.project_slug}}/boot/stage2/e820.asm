; e820_collect: the BIOS memory map (INT 15h EAX=E820h) into the
; boot-information block.
;
; Each call returns one entry and a continuation value in EBX; EBX = 0, or
; the carry flag on a later call, ends the list. Carry on the first call
; means the BIOS has no E820 support. Zero-length entries are dropped here;
; overlaps and ordering are left to the kernel, which sanitises the map.
; Entries beyond the buffer are counted in e820_lost, not written.

%define E820_FUNCTION           0xE820
%define E820_SMAP               0x534D4150      ; "SMAP"
%define E820_FIRST_ENTRY        (LAYOUT_E820_BUFFER + BOOTINFO_HEADER_SIZE)
%define E820_ATTR_VALID         1

e820_collect:
        mov di, E820_FIRST_ENTRY
        xor ebx, ebx
        mov word [e820_calls], 0
.call:
        mov dword [di + E820_OFF_ATTRIBUTES], E820_ATTR_VALID ; for 20-byte replies
        mov eax, E820_FUNCTION
        mov edx, E820_SMAP
%ifdef INJECT_NO_E820
        not edx                         ; fault-injection builds: the BIOS refuses
%endif
        mov ecx, E820_ENTRY_SIZE
        int 0x15
        jc .carry
        inc word [e820_calls]
        cmp eax, E820_SMAP
        jne .unsupported
        mov eax, [di + E820_OFF_LENGTH]
        or eax, [di + E820_OFF_LENGTH + 4]
        jz .next                        ; empty entry: overwrite it
        cmp di, e820_spare
        je .lost
        inc dword [LAYOUT_E820_BUFFER + BOOTINFO_OFF_E820_COUNT]
        add di, E820_ENTRY_SIZE
        cmp di, E820_FIRST_ENTRY + E820_MAX_ENTRIES * E820_ENTRY_SIZE
        jb .next
        mov di, e820_spare              ; full: count the rest in e820_lost
        jmp .next
.lost:
        inc dword [LAYOUT_E820_BUFFER + BOOTINFO_OFF_E820_LOST]
.next:
        test ebx, ebx
        jnz .call
        jmp .done
.carry:
        cmp word [e820_calls], 0        ; carry on a later call ends the list
        je .unsupported
.done:
        cmp dword [LAYOUT_E820_BUFFER + BOOTINFO_OFF_E820_COUNT], 0
        je .unsupported
        mov si, msg_e820
        call print
        mov eax, [LAYOUT_E820_BUFFER + BOOTINFO_OFF_E820_COUNT]
        call print_hex
        call print_crlf
        ret
.unsupported:
        mov si, msg_no_e820
        jmp fail

e820_calls:     dw 0
e820_spare:     times E820_ENTRY_SIZE db 0
msg_e820:       db "stage2: E820 entries: ", 0
msg_no_e820:    db "the BIOS gave no E820 memory map (INT 15h EAX=E820h failed or returned nothing)", 0
