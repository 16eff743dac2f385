; mbr: the master boot record of build/disk.img (hard disk, USB stick).
;
; The BIOS loads sector 0 of the disk to 0x7C00 and jumps to it with the
; drive in DL. The MBR copies itself to LAYOUT_MBR_ADDR, out of the way, finds
; the active partition in its table, checks that it is FAT12 (the loaders
; read nothing else), loads the partition's first sector (stage1) to 0x7C00
; and jumps to it, as DOS and syslinux MBRs do: DL = the drive, DS:SI = the
; partition's table entry. Reads use the INT 13h extensions (AH=42h) when
; the BIOS has them, else CHS with the geometry the BIOS reports (AH=08h).
;
; Only the code is assembled here, in the first 440 bytes: the next six
; are the disk signature, which Windows and Linux tools may write, and
; tools/disk_image.py fills in the partition table (bytes 446..509) and the
; boot signature.
;
; On failure it prints one line (screen and COM1) and halts:
;   "MBR: no active partition"
;   "MBR: partition not FAT12"   (the active one is of another type, or
;                                 its first sector lacks the boot
;                                 signature 0xAA55)
;   "MBR: disk error drive 0xDD LBA 0xLLLLLLLL" (three tries failed)
;   "MBR: beyond CHS" (no extensions, and the partition starts past the
;                      last cylinder the BIOS addresses)

%include "layout.inc"

%define BOOT_SECTOR       0x7C00
%define DISK_SIGNATURE    440       ; offset of the 32-bit disk signature
%define PARTITION_TABLE   446       ; offset of the four 16-byte entries
%define PART_STATUS       0         ; 0x80: active
%define PART_TYPE         4
%define PART_LBA          8         ; u32: first sector
%define PART_ENTRY_SIZE   16
%define PART_ACTIVE       0x80
%define TYPE_FAT12        0x01
%define SIGNATURE         510       ; offset of 0xAA55 in a boot sector
%define READ_TRIES        3
%define EDD_READ          0x42
%define CHS_READ_ONE      0x0201
%define COM1_DATA         0x3F8
%define COM1_LCR          0x3FB
%define COM1_LSR          0x3FD
%define LCR_8N1           0x03
%define LSR_THR_EMPTY     0x20

        bits 16
        org LAYOUT_MBR_ADDR

start:
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, BOOT_SECTOR
        sti
        cld
        ; Copy the whole sector (code and table) and continue in the copy.
        ; Then clear the signature left at 0x7C00, so that a read that did
        ; nothing cannot pass for the partition's boot sector.
        mov si, sp
        mov di, LAYOUT_MBR_ADDR
        mov cx, 256
        rep movsw
        mov [si - 2], cx                ; SI = 0x7E00, CX = 0
        jmp 0:relocated
relocated:
        mov [drive], dl

        mov si, partition_table
        mov cl, 4                       ; CH is 0 after the copy
.find:
        cmp byte [si + PART_STATUS], PART_ACTIVE
        je .found
        add si, PART_ENTRY_SIZE
        loop .find
        mov si, msg_no_active
        jmp fail
.found:
        cmp byte [si + PART_TYPE], TYPE_FAT12
        jne not_fat12
        push si                         ; the entry, for stage1
        mov eax, [si + PART_LBA]
        mov [lba], eax
%ifndef INJECT_NO_EDD
        mov ah, 0x41                    ; extensions present? (DL: the drive)
        mov bx, 0x55AA
        int 0x13
        jc .chs
        cmp bx, 0xAA55
        jne .chs
        test cl, 1                      ; AH=42h..44h, 47h, 48h work
        jz .chs
        mov ah, EDD_READ
        mov si, packet
        jmp .read
.chs:
%endif
        mov ah, 0x08                    ; the BIOS's geometry (DL: the drive,
        int 0x13                        ; which AH=41h does not change)
        push ds                         ; AH=08h may change ES:DI
        pop es
        jc disk_error
        ; LBA -> CHS: sector = LBA % spt + 1, head = LBA / spt % heads,
        ; cylinder = LBA / spt / heads, at most the last one.
        mov bl, cl
        and bx, 0x3F                    ; sectors per track
        movzx si, dh
        inc si                          ; heads
        xchg cl, ch
        shr ch, 6
        mov di, cx                      ; last cylinder
        mov ax, [lba]
        mov dx, [lba + 2]
        cmp dx, bx
        jae beyond_chs                  ; LBA / spt would not fit 16 bits
        div bx
        inc dx
        mov cx, dx                      ; CL = sector
        xor dx, dx
        div si                          ; AX = cylinder, DX = head
        cmp ax, di
        ja beyond_chs
        mov dh, dl
        mov ch, al
        shl ah, 6
        or cl, ah                       ; cylinder bits 9..8 in CL 7..6
        mov bx, BOOT_SECTOR
        mov ax, CHS_READ_ONE
.read:
        ; The partition's first sector to 0x7C00: READ_TRIES tries, with a
        ; reset of the boot drive (not whatever DL a failed call left)
        ; between.
        mov dl, [drive]
        mov di, READ_TRIES
.try:
        mov byte [packet + 2], 1        ; a failed AH=42h sets the count to what it read
        pusha
        int 0x13
        popa
        jnc .loaded
        pusha
        xor ah, ah
        int 0x13
        popa
        dec di
        jnz .try
        jmp disk_error
.loaded:
        cmp word [BOOT_SECTOR + SIGNATURE], 0xAA55
        jne not_fat12
        pop si                          ; DS:SI = the partition entry, DL = the drive
        jmp 0:BOOT_SECTOR

disk_error:
        mov si, msg_disk_error
        call print_message
        mov ah, [drive]
        mov cx, 2
        call print_hex
        mov si, msg_at_lba
        call print
        mov ax, [lba + 2]
        call print_hex
        mov ax, [lba]
        call print_hex
        jmp halt

not_fat12:
        mov si, msg_not_fat12
        jmp fail
beyond_chs:
        mov si, msg_beyond_chs

; fail: print "MBR: ", the message at SI and CR LF, then halt for good.
fail:
        call print_message
halt:
        mov si, msg_crlf
        call print
.halt:
        cli
        hlt
        jmp .halt

; print_message: COM1 set to 8N1 (Bochs resets it to 5-bit words; the MBR
; leaves the baud rate to the BIOS), then "MBR: " and the string at SI.
print_message:
        mov dx, COM1_LCR
        mov al, LCR_8N1
        out dx, al
        push si
        mov si, msg_prefix
        call print
        pop si

%include "bios_print.inc"          ; print, print_hex, putc

; The disk address packet of AH=42h: one sector to 0:0x7C00.
packet:             db 16, 0
                    dw 1
                    dw BOOT_SECTOR, 0
lba:                dd 0, 0
drive:              db 0

msg_prefix:         db "MBR: ", 0
msg_no_active:      db "no active partition", 0
msg_not_fat12:      db "partition not FAT12", 0
msg_disk_error:     db "disk error drive 0x", 0
msg_at_lba:         db " LBA 0x", 0
msg_beyond_chs:     db "beyond CHS", 0
msg_crlf:           db 13, 10, 0

        times DISK_SIGNATURE - ($ - $$) db 0
disk_signature:     dd 0                ; written by partitioning tools
                    dw 0
partition_table:
