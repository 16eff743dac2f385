; Sector reads through the BIOS (INT 13h AH=02h, CHS addressing).
;
; The geometry comes from the BPB that stage1 left at 0x7C00. A floppy
; BIOS read may not cross a track, so each request is split at track ends,
; and each piece is tried READ_TRIES times with a controller reset between.

%define BPB_BASE                0x7C00
%define BPB_BYTES_PER_SECTOR    (BPB_BASE + 0x0B)   ; u16
%define BPB_SECTORS_PER_CLUSTER (BPB_BASE + 0x0D)   ; u8
%define BPB_RESERVED_SECTORS    (BPB_BASE + 0x0E)   ; u16
%define BPB_FAT_COUNT           (BPB_BASE + 0x10)   ; u8
%define BPB_ROOT_ENTRIES        (BPB_BASE + 0x11)   ; u16
%define BPB_SECTORS_PER_FAT     (BPB_BASE + 0x16)   ; u16
%define BPB_SECTORS_PER_TRACK   (BPB_BASE + 0x18)   ; u16
%define BPB_HEADS               (BPB_BASE + 0x1A)   ; u16
%define SECTOR_SIZE             512
%define SECTOR_SHIFT            9
%define READ_TRIES              3
; Fault injection (make LOADER_FAULT=DISK_ERROR): reading from a floppy drive
; number no machine has makes the BIOS fail every read, which exercises the
; retries and the error message with a real BIOS error.
%define NO_SUCH_DRIVE           0x7F

; read_sectors: read CX sectors starting at LBA AX into ES:BX.
; On return BX points past the data. Halts with a message on a disk error.
read_sectors:
        pushad
.chunk:
        test cx, cx
        jz .done
        mov [read_lba], ax
        mov [read_left], cx
        xor dx, dx
        div word [BPB_SECTORS_PER_TRACK] ; AX = track, DX = sector in track
        mov si, [BPB_SECTORS_PER_TRACK]
        sub si, dx                      ; sectors up to the end of the track
        cmp si, cx
        jbe .fits
        mov si, cx
.fits:
        mov [read_count], si
        inc dl                          ; CHS sectors count from 1
        mov [read_sector], dl
        xor dx, dx
        div word [BPB_HEADS]            ; AX = cylinder, DX = head
        mov [read_head], dl
        mov [read_cylinder], ax
        mov byte [read_tries], READ_TRIES
.try:
        mov ax, [read_cylinder]
        mov ch, al                      ; cylinder bits 7..0
        mov cl, ah
        shl cl, 6                       ; cylinder bits 9..8 in CL bits 7..6
        or cl, [read_sector]
        mov dh, [read_head]
        mov dl, [boot_drive]
%ifdef INJECT_DISK_ERROR
        mov dl, NO_SUCH_DRIVE           ; fault-injection builds only
%endif
        mov al, [read_count]
        mov ah, 0x02
        int 0x13
        jnc .ok
        xor ah, ah                      ; reset the disk system and retry
        mov dl, [boot_drive]
        int 0x13
        dec byte [read_tries]
        jnz .try
        mov si, msg_disk_error
        jmp fail
.ok:
        mov ax, [read_count]
        shl ax, SECTOR_SHIFT
        add bx, ax
        mov ax, [read_lba]
        add ax, [read_count]
        mov cx, [read_left]
        sub cx, [read_count]
        jmp .chunk
.done:
        mov [read_end], bx
        popad
        mov bx, [read_end]
        ret

; floppy_motor_off: the BIOS leaves the drive motor running after a read and
; stops it from its timer interrupt about two seconds later; the kernel
; masks that interrupt sooner, so stage2 stops the motor itself through the
; controller's digital output register (motor bits clear, controller out of
; reset, DMA and interrupt enabled). Only for floppy boot drives.
%define FDC_DOR                 0x3F2
%define FDC_DOR_MOTORS_OFF      0x0C    ; bit 2: not reset, bit 3: DMA/IRQ on
%define FIRST_HARD_DISK         0x80

floppy_motor_off:
        cmp byte [boot_drive], FIRST_HARD_DISK
        jae .done
        mov dx, FDC_DOR
        mov al, FDC_DOR_MOTORS_OFF
        out dx, al
.done:
        ret

read_lba:       dw 0
read_left:      dw 0
read_count:     dw 0
read_cylinder:  dw 0
read_sector:    db 0
read_head:      db 0
read_tries:     db 0
                align 2
read_end:       dw 0

msg_disk_error: db "disk read error (BIOS INT 13h failed 3 times)", 0
