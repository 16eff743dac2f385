; Sector reads through the BIOS, from any boot drive.
;
; A hard disk (DL >= 0x80: IDE, AHCI, virtio, a USB stick) is read with the
; INT 13h extensions (AH=42h, a disk address packet with a 64-bit LBA) when
; the BIOS has them, else by CHS with the geometry the BIOS reports for the
; drive (AH=08h): the BIOS's geometry, not the one in the BPB, is the one it
; translates back. A floppy keeps the BPB's geometry, the medium's (AH=08h
; reports the drive type's, wrong for a 720K disk in a 1.44M drive), unless
; its volume is a partition (hidden sectors): a disk image booted as a floppy
; (a USB stick in "USB-FDD" emulation) is read like a hard disk.
; Sectors are counted from the start of the FAT volume; read_sectors adds
; the BPB's hidden sectors (the partition's first LBA, 0 on a floppy).
;
; Each request is split into BIOS calls: at track ends for CHS (a floppy
; read may not cross a track), at 127 sectors for AH=42h (the most every
; BIOS takes). Each call is tried READ_TRIES times, with a reset of the boot
; drive between. A call for several sectors that fails every try is made
; again for its first sector alone, and every later call reads one sector:
; a BIOS that fails long reads still boots, and a bad sector is named.

%define BPB_BASE                0x7C00
%define BPB_BYTES_PER_SECTOR    (BPB_BASE + 0x0B)   ; u16
%define BPB_SECTORS_PER_CLUSTER (BPB_BASE + 0x0D)   ; u8
%define BPB_RESERVED_SECTORS    (BPB_BASE + 0x0E)   ; u16
%define BPB_FAT_COUNT           (BPB_BASE + 0x10)   ; u8
%define BPB_ROOT_ENTRIES        (BPB_BASE + 0x11)   ; u16
%define BPB_TOTAL_SECTORS       (BPB_BASE + 0x13)   ; u16
%define BPB_SECTORS_PER_FAT     (BPB_BASE + 0x16)   ; u16
%define BPB_SECTORS_PER_TRACK   (BPB_BASE + 0x18)   ; u16
%define BPB_HEADS               (BPB_BASE + 0x1A)   ; u16
%define BPB_HIDDEN_SECTORS      (BPB_BASE + 0x1C)   ; u32: the volume's first LBA
%define SECTOR_SIZE             512
%define SECTOR_SHIFT            9
%define READ_TRIES              3
%define FIRST_HARD_DISK         0x80
%define EDD_MAGIC               0x55AA  ; AH=41h: BX in, swapped on the way out
%define EDD_DAP_ACCESS          0x01    ; AH=41h CX bit 0: AH=42h..44h, 47h, 48h
%define EDD_MAX_SECTORS         127
%define CHS_LAST_CYLINDER       1023    ; 10 bits of cylinder in AH=02h
; Fault injection (make LOADER_FAULT=DISK_ERROR): reading from a floppy drive
; number no machine has makes the BIOS fail every read, which exercises the
; retries and the error message with a real BIOS error. NO_EDD: the loaders
; act as if the BIOS had no INT 13h extensions and read by CHS.
; LONG_READ_FAILS: stage2's BIOS fails every read of more than one sector.
%define NO_SUCH_DRIVE           0x7F

; disk_init: learn how to read the boot drive, and say so in the log.
disk_init:
        mov ax, [BPB_SECTORS_PER_TRACK]
        mov [disk_spt], ax
        mov ax, [BPB_HEADS]
        mov [disk_heads], ax
        mov si, msg_drive
        call print
        movzx eax, byte [boot_drive]
        call print_hex
        cmp al, FIRST_HARD_DISK
        jae .hard_disk
        cmp dword [BPB_HIDDEN_SECTORS], 0
        jne .hard_disk                  ; a partition on a "floppy": USB-FDD
        ; A floppy: the BPB's geometry, and its cylinders from its size.
        mov ax, [BPB_TOTAL_SECTORS]
        xor dx, dx
        div word [disk_spt]
        xor dx, dx
        div word [disk_heads]
        dec ax
        mov [disk_last_cylinder], ax
        jmp .chs
.hard_disk:
%ifndef INJECT_NO_EDD
        mov ah, 0x41
        mov bx, EDD_MAGIC
        mov dl, [boot_drive]
        int 0x13
        jc .no_edd
        cmp bx, (EDD_MAGIC >> 8) | ((EDD_MAGIC & 0xFF) << 8)
        jne .no_edd
        test cl, EDD_DAP_ACCESS
        jz .no_edd
        mov byte [disk_edd], 1
        mov si, msg_edd
        jmp print_line
.no_edd:
%endif
        mov ah, 0x08
        mov dl, [boot_drive]
        xor di, di                      ; ES:DI = 0:0 works around old BIOS bugs
        int 0x13
        push ds                         ; AH=08h may change ES:DI
        pop es
        jc .no_geometry
        movzx ax, cl
        and al, 0x3F                    ; CL 5..0: sectors per track
        jz .no_geometry                 ; (0 would divide by zero below)
        mov [disk_spt], ax
        movzx ax, dh                    ; DH: last head
        inc ax
        mov [disk_heads], ax
        mov al, ch                      ; last cylinder: CL 7..6, then CH
        mov ah, cl
        shr ah, 6
        mov [disk_last_cylinder], ax
.chs:
        mov si, msg_chs
        call print
        movzx eax, word [disk_last_cylinder]
        inc eax
        call print_dec
        mov si, msg_cylinders
        call print
        movzx eax, word [disk_heads]
        call print_dec
        mov si, msg_heads
        call print
        movzx eax, word [disk_spt]
        call print_dec
        mov si, msg_spt
        jmp print_line
.no_geometry:
        call print_crlf
        mov si, msg_no_geometry
        jmp fail

; read_sectors: read CX sectors starting at volume sector AX into ES:BX.
; On return BX points past the data. Halts with a message on a disk error.
read_sectors:
        pushad
        movzx eax, ax
        add eax, [BPB_HIDDEN_SECTORS]   ; EAX = LBA on the drive
.chunk:
        test cx, cx
        jz .done
        mov [read_lba], eax
        mov [read_left], cx
        mov si, cx
        cmp byte [disk_edd], 0
        jne .count
        ; track = LBA / spt; sector = LBA % spt + 1; head = track % heads;
        ; cylinder = track / heads, at most the last one the BIOS reported.
        xor edx, edx
        movzx esi, word [disk_spt]
        div esi                         ; EAX = track, DX = sector in track
        sub si, dx                      ; sectors up to the end of the track
        cmp si, cx
        jbe .fits
        mov si, cx
.fits:
        inc dl                          ; CHS sectors count from 1
        mov [read_sector], dl
        xor edx, edx
        movzx edi, word [disk_heads]
        div edi                         ; EAX = cylinder, DX = head
        movzx edi, word [disk_last_cylinder]
        cmp eax, edi
        ja .beyond_chs
        mov [read_head], dl
        mov [read_cylinder], ax
.count:
        cmp si, [read_max]
        jbe .capped
        mov si, [read_max]
.capped:
        mov [read_count], si
        mov byte [read_tries], READ_TRIES
.try:
        call bios_read
        jnc .ok
        xor ah, ah                      ; reset the boot drive (not whatever DL
        mov dl, [boot_drive]            ; the failed call left) and retry
        int 0x13
        dec byte [read_tries]
        jnz .try
        cmp word [read_count], 1
        je .failed
        ; A call for several sectors failed every try. Some BIOSes fail
        ; long reads (their USB emulation among them): from here on one
        ; sector a call, which also names a bad sector exactly.
        mov word [read_max], 1
        mov si, msg_one_sector
        call print_line
        mov si, 1
        jmp .count
.failed:
        mov si, msg_disk_error
        mov di, msg_at_lba
        movzx eax, byte [read_drive]
        mov ebx, [read_lba]
        jmp fail_figures
.beyond_chs:
        mov ebx, edi                    ; the last cylinder
        mov eax, [read_lba]
        mov si, msg_beyond_chs
        mov di, msg_last_cylinder
        jmp fail_figures
.ok:
        mov ax, [read_count]
        shl ax, SECTOR_SHIFT
        add bx, ax
        movzx eax, word [read_count]
        add eax, [read_lba]
        mov cx, [read_left]
        sub cx, [read_count]
        jmp .chunk
.done:
        mov [read_end], bx
        popad
        mov bx, [read_end]
        ret

; bios_read: one INT 13h read of the chunk described by read_* to ES:BX;
; CF set on an error.
bios_read:
        mov dl, [boot_drive]
%ifdef INJECT_DISK_ERROR
        mov dl, NO_SUCH_DRIVE           ; fault-injection builds only
%endif
        mov [read_drive], dl
%ifdef INJECT_LONG_READ_FAILS
        cmp word [read_count], 1        ; fault-injection builds only: a BIOS
        je .one_sector                  ; that fails every read of more than
        stc                             ; one sector
        ret
.one_sector:
%endif
        cmp byte [disk_edd], 0
        je .chs
        mov ax, [read_count]
        mov [dap_count], ax
        mov [dap_buffer], bx
        mov [dap_buffer + 2], es
        mov eax, [read_lba]
        mov [dap_lba], eax
        mov si, dap
        mov ah, 0x42
        int 0x13
        ret
.chs:
        mov ax, [read_cylinder]
        mov ch, al                      ; cylinder bits 7..0
        mov cl, ah
        shl cl, 6                       ; cylinder bits 9..8 in CL bits 7..6
        or cl, [read_sector]
        mov dh, [read_head]
        mov al, [read_count]
        mov ah, 0x02
        int 0x13
        ret

; floppy_motor_off: the BIOS leaves the drive motor running after a read and
; stops it from its timer interrupt about two seconds later; the kernel
; masks that interrupt sooner, so stage2 stops the motor itself through the
; controller's digital output register (motor bits clear, controller out of
; reset, DMA and interrupt enabled). Only for floppy boot drives.
%define FDC_DOR                 0x3F2
%define FDC_DOR_MOTORS_OFF      0x0C    ; bit 2: not reset, bit 3: DMA/IRQ on

floppy_motor_off:
        cmp byte [boot_drive], FIRST_HARD_DISK
        jae .done
        mov dx, FDC_DOR
        mov al, FDC_DOR_MOTORS_OFF
        out dx, al
.done:
        ret

                align 4
read_lba:       dd 0
read_left:      dw 0
read_count:     dw 0
read_cylinder:  dw 0
read_sector:    db 0
read_head:      db 0
read_tries:     db 0
read_drive:     db 0
read_end:       dw 0
disk_spt:       dw 0
disk_heads:     dw 0
disk_last_cylinder: dw CHS_LAST_CYLINDER
disk_edd:       db 0                    ; 1: read with AH=42h
read_max:       dw EDD_MAX_SECTORS      ; sectors a call; 1 once a long read failed
                align 4
; The disk address packet of AH=42h.
dap:            db 16, 0                ; packet size, reserved
dap_count:      dw 0                    ; sectors
dap_buffer:     dw 0, 0                 ; offset, segment
dap_lba:        dd 0, 0                 ; 64-bit LBA

msg_disk_error: db "disk read error (BIOS INT 13h failed 3 times) on drive ", 0
msg_one_sector: db "stage2: a read of several sectors failed 3 times: reading one sector a call", 0
msg_at_lba:     db " at LBA ", 0
msg_beyond_chs: db "without INT 13h extensions LBA ", 0
msg_last_cylinder: db " lies beyond the BIOS's CHS geometry, whose last cylinder is ", 0
msg_no_geometry: db "the BIOS has neither INT 13h extensions nor a geometry (AH=08h) for the boot drive", 0
msg_drive:      db "stage2: boot drive ", 0
msg_edd:        db ", read with the INT 13h extensions", 0
msg_chs:        db ", read by CHS: ", 0
msg_cylinders:  db " cylinders, ", 0
msg_heads:      db " heads, ", 0
msg_spt:        db " sectors per track", 0
