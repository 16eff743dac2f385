; e820_collect: the BIOS memory map into the boot-information block.
;
; INT 15h EAX=E820h returns one entry per call and a continuation value in
; EBX; EBX = 0, or the carry flag on a later call, ends the list. Each entry
; is zeroed before the call (some BIOSes fill only the fields they change;
; a 20-byte reply leaves the ACPI 3.0 attributes, which then read as
; "valid"), and the calls stop after E820_MAX_CALLS even if EBX never
; returns to 0. Zero-length entries are dropped here; overlaps and ordering
; are left to the kernel, which sanitises the map. Entries beyond the
; buffer are counted in e820_lost, not written.
;
; Where E820h is missing (carry on the first call, or no entries), the map
; is built from INT 15h AX=E801h (KiB from 1 to 16 MiB, 64 KiB blocks above
; 16 MiB), else from AH=88h (KiB above 1 MiB), with the conventional memory
; below the EBDA; the log says which. Without any of them, halt.

%define E820_FUNCTION           0xE820
%define E820_SMAP               0x534D4150      ; "SMAP"
%define E820_FIRST_ENTRY        (LAYOUT_E820_BUFFER + BOOTINFO_HEADER_SIZE)
%define E820_ATTR_VALID         1
%define E820_MAX_CALLS          1024            ; far more than a real map has
%define E801_FUNCTION           0xE801
%define E801_BROKEN_FUNCTION    0xE8FF          ; fault injection: no such call
%define OLD_EXT_MEMORY          0x88            ; AH=88h: KiB above 1 MiB
%define SIXTEEN_MIB             0x1000000
%define KIB_SHIFT               10
%define BLOCK_64K_SHIFT         16

; Fault injection (make LOADER_FAULT=...): NO_E820 makes E820h fail (a wrong
; signature, so the BIOS itself refuses), NO_E820_E801 E801h as well,
; NO_MEMORY_MAP AH=88h too; E820_ENDLESS keeps EBX from ever reaching 0;
; E820_BEYOND_PHYS adds a usable entry ending at 2^52, past any emulated
; CPU's physical address width.
%ifdef INJECT_NO_MEMORY_MAP
  %define INJECT_NO_E820_E801
  %define INJECT_NO_88H
%endif
%ifdef INJECT_NO_E820_E801
  %define INJECT_NO_E820
  %define INJECT_NO_E801
%endif

e820_collect:
        mov di, E820_FIRST_ENTRY
        xor ebx, ebx
        mov word [e820_calls], 0
.call:
        cmp word [e820_calls], E820_MAX_CALLS
        jae .endless
        call e820_clear_entry
        mov eax, E820_FUNCTION
        mov edx, E820_SMAP
%ifdef INJECT_NO_E820
        not edx                         ; fault-injection builds: the BIOS refuses
%endif
        mov ecx, E820_ENTRY_SIZE
        int 0x15
        jc .carry
        inc word [e820_calls]
%ifdef INJECT_E820_ENDLESS
        test ebx, ebx                   ; fault-injection builds: the last
        jnz .more                       ; entry leads back to the second
        inc ebx
.more:
%endif
        cmp eax, E820_SMAP
        jne .fallback
        mov eax, [di + E820_OFF_LENGTH]
        or eax, [di + E820_OFF_LENGTH + 4]
        jz .next                        ; empty entry: overwrite it
        call e820_keep_entry
.next:
        test ebx, ebx
        jnz .call
        jmp .done
.endless:
        mov si, msg_e820_endless
        call print
        movzx eax, word [e820_calls]
        call print_hex
        call print_crlf
        jmp .done
.carry:
        cmp word [e820_calls], 0        ; carry on a later call ends the list
        je .fallback
.done:
        cmp dword [LAYOUT_E820_BUFFER + BOOTINFO_OFF_E820_COUNT], 0
        je .fallback
%ifdef INJECT_E820_BEYOND_PHYS
        call e820_add_beyond_phys       ; fault-injection builds only
%endif
        mov si, msg_e820
        call print
        mov eax, [LAYOUT_E820_BUFFER + BOOTINFO_OFF_E820_COUNT]
        call print_hex
        call print_crlf
        ret
.fallback:
        mov di, E820_FIRST_ENTRY        ; start over: nothing usable came
        mov dword [LAYOUT_E820_BUFFER + BOOTINFO_OFF_E820_COUNT], 0
        mov dword [LAYOUT_E820_BUFFER + BOOTINFO_OFF_E820_LOST], 0
        call e801_collect
        jnc .done
        call old_ext_memory_collect
        jnc .done
        mov si, msg_no_memory_map
        jmp fail

; e820_clear_entry: zero the entry at DI, then mark it valid for a BIOS
; that returns only the 20 bytes before the attributes.
e820_clear_entry:
        push ax
        push cx
        push di
        xor ax, ax
        mov cx, E820_ENTRY_SIZE / 2
        rep stosw
        pop di
        pop cx
        pop ax
        mov dword [di + E820_OFF_ATTRIBUTES], E820_ATTR_VALID
        ret

; e820_keep_entry: count the entry at DI and move DI to the next slot; once
; the buffer is full, further entries land in e820_spare and are counted as
; lost.
e820_keep_entry:
        cmp di, e820_spare
        je .lost
        inc dword [LAYOUT_E820_BUFFER + BOOTINFO_OFF_E820_COUNT]
        add di, E820_ENTRY_SIZE
        cmp di, E820_FIRST_ENTRY + E820_MAX_ENTRIES * E820_ENTRY_SIZE
        jb .done
        mov di, e820_spare
        ret
.lost:
        inc dword [LAYOUT_E820_BUFFER + BOOTINFO_OFF_E820_LOST]
.done:
        ret

; e820_add_usable: a usable entry at DI of ECX bytes from EAX (both below
; 4 GiB); nothing for ECX = 0.
e820_add_usable:
        jecxz .empty
        call e820_clear_entry
        mov [di + E820_OFF_BASE], eax
        mov [di + E820_OFF_LENGTH], ecx
        mov dword [di + E820_OFF_TYPE], E820_TYPE_USABLE
        call e820_keep_entry
.empty:
        ret

; add_conventional: [0, the EBDA) as usable RAM, for the fallbacks.
add_conventional:
        call ebda_start_kib             ; memory_check.asm
        movzx ecx, ax
        shl ecx, KIB_SHIFT
        xor eax, eax
        jmp e820_add_usable

; add_low_ranges: what both fallbacks report, as usable RAM: [0, the EBDA)
; and e801_low_kib KiB from 1 MiB.
add_low_ranges:
        call add_conventional
        mov eax, ONE_MIB
        movzx ecx, word [e801_low_kib]
        shl ecx, KIB_SHIFT
        jmp e820_add_usable

; e801_collect: the map from INT 15h AX=E801h; CF set if the BIOS has none.
e801_collect:
        mov ax, E801_FUNCTION
%ifdef INJECT_NO_E801
        mov ax, E801_BROKEN_FUNCTION    ; fault-injection builds only
%endif
        xor bx, bx
        xor cx, cx
        xor dx, dx
        clc
        int 0x15
        jc .none
        test cx, cx                     ; some BIOSes answer in CX/DX only,
        jnz .cx_dx                      ; others in AX/BX only
        test dx, dx
        jnz .cx_dx
        mov cx, ax
        mov dx, bx
.cx_dx:
        mov [e801_low_kib], cx
        mov [e801_high_blocks], dx
        mov si, msg_e801
        call print_line
        call add_low_ranges
        mov eax, SIXTEEN_MIB
        movzx ecx, word [e801_high_blocks]
        shl ecx, BLOCK_64K_SHIFT
        call e820_add_usable
        clc
        ret
.none:
        stc
        ret

; old_ext_memory_collect: the map from INT 15h AH=88h; CF set if none.
old_ext_memory_collect:
        mov ah, OLD_EXT_MEMORY
        clc
        int 0x15
%ifdef INJECT_NO_88H
        stc                             ; fault-injection builds only
%endif
        jc .none
        mov [e801_low_kib], ax
        mov si, msg_88h
        call print_line
        call add_low_ranges
        clc
        ret
.none:
        stc
        ret

%ifdef INJECT_E820_BEYOND_PHYS
; A usable entry [2^52 - 4 GiB, 2^52), as a broken BIOS might report.
%define BEYOND_PHYS_BASE_HIGH 0x000FFFFF
e820_add_beyond_phys:
        call e820_clear_entry
        mov dword [di + E820_OFF_BASE + 4], BEYOND_PHYS_BASE_HIGH
        mov dword [di + E820_OFF_LENGTH + 4], 1
        mov dword [di + E820_OFF_TYPE], E820_TYPE_USABLE
        jmp e820_keep_entry
%endif

e820_calls:     dw 0
e801_low_kib:   dw 0
e801_high_blocks: dw 0
e820_spare:     times E820_ENTRY_SIZE db 0
msg_e820:       db "stage2: E820 entries: ", 0
msg_e820_endless: db "stage2: E820: the BIOS never ended its list; stopped after calls: ", 0
msg_e801:       db "stage2: no E820 memory map; using INT 15h AX=E801h", 0
msg_88h:        db "stage2: no E820 or E801h memory map; using INT 15h AH=88h", 0
msg_no_memory_map: db "the BIOS gave no memory map (INT 15h E820h, E801h and AH=88h all failed)", 0
