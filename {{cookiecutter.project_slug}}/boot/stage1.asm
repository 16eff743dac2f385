; stage1: the FAT12 boot sector.
;
; The BIOS loads this sector to 0x7C00 and jumps to it with the boot drive in
; DL. It finds STAGE2.BIN in the root directory, loads it cluster by cluster to
; LAYOUT_STAGE2_ADDR and jumps there with the boot drive still in DL, the BPB
; still at 0x7C00 and the first FAT at LAYOUT_FAT_BUFFER.
;
; Everything about the disk comes from the BPB below, which mformat fills in
; when the image is made, so the code is not tied to one floppy geometry.
; On failure it prints one short message (screen and COM1) and halts:
;   "stage1: no STAGE2.BIN"      the file is not in the root directory
;   "stage1: disk error"         a sector read failed three times
;   "stage1: STAGE2.BIN too big" the file does not fit below 0x10000
;   "stage1: bad FAT"            the FAT does not fit its buffer, or the
;                                chain holds a value that is no data cluster
;
; Memory (segment 0 throughout): stack below 0x7C00, root directory sectors
; and then the FAT in the FAT buffer, stage2 at LAYOUT_STAGE2_ADDR.

%include "layout.inc"

%define COM1_DATA         0x3F8
%define COM1_LCR          0x3FB     ; line control register
%define COM1_LSR          0x3FD     ; line status register
%define LCR_DLAB          0x80      ; divisor latch access
%define LCR_8N1           0x03      ; 8 data bits, no parity, 1 stop bit
%define BAUD_115200       1         ; divisor of the 115200 Hz UART clock
%define LSR_THR_EMPTY     0x20      ; ready for the next byte
%define DIR_ENTRY_SIZE    32
%define DIR_ATTR          11        ; offset of the attribute byte
%define DIR_CLUSTER       26        ; offset of the first cluster (u16)
%define ATTR_SKIP         0x18      ; directories and volume labels
%define DIR_END           0x00      ; first name byte: no more entries
%define DIR_DELETED       0xE5      ; first name byte: deleted entry
%define FAT12_EOC         0xFF8     ; this cluster value and above end a chain
%define READ_TRIES        3
%if LAYOUT_STAGE2_END != 0x10000
  %error "stage1's room check assumes the stage2 area ends at 0x10000"
%endif

        bits 16
        org 0x7C00

        jmp short start
        nop

; BIOS parameter block. mformat -B keeps the code and rewrites these fields.
bpb_oem:                db "MKFAT12 "
bpb_bytes_per_sector:   dw 512
bpb_sectors_per_cluster: db 1
bpb_reserved_sectors:   dw 1
bpb_fat_count:          db 2
bpb_root_entries:       dw 224
bpb_total_sectors:      dw 2880
bpb_media:              db 0xF0
bpb_sectors_per_fat:    dw 9
bpb_sectors_per_track:  dw 18
bpb_heads:              dw 2
bpb_hidden_sectors:     dd 0
bpb_total_sectors_32:   dd 0
ebpb_drive:             db 0
ebpb_reserved:          db 0
ebpb_signature:         db 0x29
ebpb_serial:            dd 0x12345678
ebpb_label:             db "BOOT       "
ebpb_fs_type:           db "FAT12   "

start:
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7C00
        ; Some BIOSes enter at 07C0:0000 rather than 0000:7C00. CS does not
        ; matter here: every jump and call is relative, and data goes
        ; through DS.
        sti
        cld
        mov [boot_drive], dl

        ; A FAT that does not fit its buffer (FAT16 or larger) is not ours.
        cmp word [bpb_sectors_per_fat], LAYOUT_FAT_BUFFER_SIZE / 512
        ja bad_fat

        ; Root directory: after the reserved sectors and the FATs.
        mov al, [bpb_fat_count]
        cbw
        mul word [bpb_sectors_per_fat]
        add ax, [bpb_reserved_sectors]
        mov [root_lba], ax
        ; Its size in sectors: entries * 32 / 512 (rounded up).
        mov ax, [bpb_root_entries]
        add ax, 15
        shr ax, 4
        add ax, [root_lba]
        mov [data_lba], ax

        ; Scan the root directory for "STAGE2  BIN", a sector at a time: the
        ; file is usually in the first one, and each sector read takes time.
.next_sector:
        mov ax, [root_lba]
        cmp ax, [data_lba]              ; the data area follows the root
        jae .not_found
        inc word [root_lba]
        mov cx, 1
        mov bx, LAYOUT_FAT_BUFFER
        call read_sectors
        mov di, LAYOUT_FAT_BUFFER
        mov dx, 512 / DIR_ENTRY_SIZE
.scan:
        mov al, [di]
        cmp al, DIR_END
        je .not_found
        cmp al, DIR_DELETED
        je .next
        test byte [di + DIR_ATTR], ATTR_SKIP
        jnz .next
        mov si, stage2_name
        mov cx, 11
        push di
        repe cmpsb
        pop di
        je .found
.next:
        add di, DIR_ENTRY_SIZE
        dec dx
        jnz .scan
        jmp .next_sector
.not_found:
        mov si, msg_not_found
        jmp fail

.found:
        push word [di + DIR_CLUSTER]

        ; The FAT replaces the root directory in the buffer. Stage2 uses it
        ; too: it stays there when stage1 jumps.
        mov ax, [bpb_reserved_sectors]
        mov cx, [bpb_sectors_per_fat]
        mov bx, LAYOUT_FAT_BUFFER
        call read_sectors

        pop ax                          ; AX = current cluster
        mov bx, LAYOUT_STAGE2_ADDR
.cluster:
        push ax
        ; The cluster must end at or below 0x10000: past it, BX would wrap
        ; onto the interrupt vectors. The room left is -BX in 16 bits (0
        ; once BX has wrapped).
        xor ch, ch
        mov cl, [bpb_sectors_per_cluster]
        mov dx, cx
        shl dx, 9
        mov si, bx
        neg si
        cmp si, dx
        jb too_big
        ; LBA = data_lba + (cluster - 2) * sectors_per_cluster. Data clusters
        ; are 2..0xFEF: anything else (0, 1, reserved, bad) wraps or lands
        ; above 0xFED here.
        sub ax, 2
        cmp ax, 0xFF0 - 2
        jae bad_fat
        mul cx
        add ax, [data_lba]
        call read_sectors
        ; Next cluster: 12-bit entry at FAT + cluster * 3 / 2.
        pop ax
        mov si, ax
        shr si, 1
        add si, ax
        test al, 1
        mov ax, [LAYOUT_FAT_BUFFER + si]
        jz .even
        shr ax, 4
.even:
        and ah, 0x0F
        cmp ax, FAT12_EOC
        jb .cluster

        mov dl, [boot_drive]
        jmp 0:LAYOUT_STAGE2_ADDR
bad_fat:
        mov si, msg_bad_fat
        jmp fail

; read_sectors: read CX sectors starting at LBA AX to ES:BX, one at a time,
; each tried READ_TRIES times. Advances BX past the data.
; Clobbers AX, CX, DX, DI.
read_sectors:
        push ax
        push cx
        mov di, READ_TRIES
.try:
        push ax
        ; LBA -> CHS: sector = lba % spt + 1, head = (lba / spt) % heads,
        ; cylinder = lba / spt / heads.
        xor dx, dx
        div word [bpb_sectors_per_track]
        inc dx
        mov cl, dl
        xor dx, dx
        div word [bpb_heads]
        mov dh, dl
        mov ch, al
        shl ah, 6
        or cl, ah
        mov dl, [boot_drive]
        mov ax, 0x0201                  ; read one sector
        int 0x13
        jnc .ok
        xor ah, ah                      ; reset the controller, then retry
        int 0x13
        pop ax
        dec di
        jnz .try
        mov si, msg_disk_error
        jmp fail
.ok:
        pop ax
        add bx, 512
        pop cx
        pop ax
        inc ax
        loop read_sectors
        ret

too_big:
        mov si, msg_too_big

; fail: print the string at SI on screen and COM1, then halt for good.
; COM1 is set to 115200 baud, 8N1 first: its reset state (5-bit words on
; Bochs) would garble the message.
fail:
        mov dx, COM1_LCR
        mov al, LCR_DLAB
        out dx, al
        mov dx, COM1_DATA               ; divisor latch, low byte
        mov al, BAUD_115200
        out dx, al
        inc dx                          ; divisor latch, high byte
        xor al, al
        out dx, al
        mov dx, COM1_LCR
        mov al, LCR_8N1
        out dx, al
        push si
        mov si, msg_prefix
        call print
        pop si
        call print
        mov si, msg_crlf
        call print
.halt:
        cli
        hlt
        jmp .halt

; print: NUL-terminated string at SI to the BIOS teletype and COM1.
print:
        lodsb
        test al, al
        jz .done
        push ax
        mov ah, 0x0E
        xor bx, bx
        int 0x10
        pop ax
        mov dx, COM1_LSR
        mov ah, al
.wait:
        in al, dx
        test al, LSR_THR_EMPTY
        jz .wait
        mov al, ah
        mov dx, COM1_DATA
        out dx, al
        jmp print
.done:
        ret

stage2_name:    db "STAGE2  BIN"
msg_prefix:     db "stage1: ", 0
msg_not_found:  db "no STAGE2.BIN", 0
msg_disk_error: db "disk error", 0
msg_too_big:    db "STAGE2.BIN too big", 0
msg_bad_fat:    db "bad FAT", 0
msg_crlf:       db 13, 10, 0

boot_drive:     db 0
root_lba:       dw 0
data_lba:       dw 0

        times 510 - ($ - $$) db 0
        dw 0xAA55
