; stage1: the boot sector of the FAT12 volume, on the floppy and on the
; disk's partition, with a second sector in the volume's reserved area.
;
; The BIOS (floppy, CD in floppy emulation) or the MBR (hard disk, USB stick)
; loads sector 0 to 0x7C00 and jumps to it with the boot drive in DL. Sector 0
; learns how to read the drive and loads sector 1 (reserved sector 1 of the
; volume) into the last 512 bytes of the FAT buffer. Sector 1 finds STAGE2.BIN
; in the root directory, loads it to LAYOUT_STAGE2_ADDR (with the extensions,
; the FAT in one call and each run of consecutive clusters in another) and
; jumps there with the boot drive still in DL, the BPB still at 0x7C00 and the
; first FAT at LAYOUT_FAT_BUFFER.
;
; The volume's layout comes from the BPB below, which mformat fills in when
; the image is made. Sectors are counted from the start of the volume; each
; read adds the BPB's hidden sectors (the partition's first LBA, 0 on a
; floppy). A hard disk (DL >= 0x80) is read with the INT 13h extensions
; (AH=42h) when the BIOS has them (AH=41h), else by CHS with the geometry the
; BIOS reports (AH=08h), which replaces the BPB's in memory: the BIOS's
; geometry for a USB stick or an IDE disk is rarely the image's. A floppy
; keeps the BPB's geometry, the medium's (AH=08h reports the drive's),
; unless the volume is a partition (hidden sectors): that is a disk image
; that a BIOS boots as a floppy (a USB stick in "USB-FDD" emulation), which
; only the BIOS's geometry reaches.
;
; On failure it prints one line (screen and COM1) and halts:
;   "stage1: disk error on drive 0xDD at LBA 0xLLLLLLLL"
;                                a sector read failed three times
;   "stage1: beyond CHS"         no extensions, and a sector lies past the
;                                last cylinder the BIOS addresses
;   "stage1: no sector 1"        reserved sector 1 is not stage1's
;   "stage1: no STAGE2.BIN"      the file is not in the root directory
;   "stage1: STAGE2.BIN too big" the file does not fit below 0x10000
;   "stage1: bad FAT"            the FAT does not fit its buffer (sector 1
;                                takes the last 512 bytes), or the chain
;                                holds a value that is no data cluster
;
; Memory (segment 0 throughout): stack below 0x7C00, root directory sectors
; and then the FAT in the FAT buffer, sector 1 at the buffer's end, stage2 at
; LAYOUT_STAGE2_ADDR.

%include "layout.inc"

%define COM1_DATA         0x3F8
%define COM1_LCR          0x3FB     ; line control register
%define COM1_LSR          0x3FD     ; line status register
%define LCR_DLAB          0x80      ; divisor latch access
%define LCR_8N1           0x03      ; 8 data bits, no parity, 1 stop bit
%define BAUD_115200       1         ; divisor of the 115200 Hz UART clock
%define LSR_THR_EMPTY     0x20      ; ready for the next byte
%define EDD_MAX_SECTORS   127       ; the most an AH=42h call may ask of any BIOS
%define READ_TRIES        3
%define SECTOR_SIZE       512
%define CHS_LAST_CYLINDER 1023      ; 10 bits of cylinder in INT 13h AH=02h
%define EDD_READ          0x42      ; INT 13h extended read
%define CHS_READ_ONE      0x0201    ; INT 13h AH=02h, one sector
%define FIRST_HARD_DISK   0x80
; Sector 1 runs from the last sector of the FAT buffer; the FAT may use the
; sectors before it.
%define PART2_ADDR        (LAYOUT_FAT_BUFFER + LAYOUT_FAT_BUFFER_SIZE - SECTOR_SIZE)
%define FAT_MAX_SECTORS   (LAYOUT_FAT_BUFFER_SIZE / SECTOR_SIZE - 1)
%define PART2_MAGIC       0x3153    ; "S1" in the last two bytes of sector 1
%if LAYOUT_STAGE2_END != 0x10000
  %error "stage1's room check assumes the stage2 area ends at 0x10000"
%endif
%if (LAYOUT_STAGE2_END - LAYOUT_STAGE2_ADDR) / SECTOR_SIZE > EDD_MAX_SECTORS || FAT_MAX_SECTORS > EDD_MAX_SECTORS
  %error "read_run reads the FAT and a run of STAGE2.BIN in one AH=42h call each: at most 127 sectors"
%endif

        bits 16
        org 0x7C00

        jmp short start
        nop

; BIOS parameter block. mformat -B keeps the code and rewrites these fields.
bpb_oem:                db "MKFAT12 "
bpb_bytes_per_sector:   dw 512
bpb_sectors_per_cluster: db 1
bpb_reserved_sectors:   dw 2
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
        cmp dl, FIRST_HARD_DISK
        jae .hard_disk
        cmp word [bpb_hidden_sectors], 0 ; partitions start at 63 or 2048
        je .geometry_known              ; a floppy: the BPB's geometry is the medium's
.hard_disk:
%ifndef INJECT_NO_EDD
        mov ah, 0x41                    ; extensions present?
        mov bx, 0x55AA
        int 0x13
        jc .no_edd
        cmp bx, 0xAA55
        jne .no_edd
        shr cl, 1                       ; CX bit 0: AH=42h..44h, 47h, 48h work
        jnc .no_edd
        mov byte [read_function], EDD_READ
        jmp .geometry_known
.no_edd:
%endif
        mov ah, 0x08                    ; the BIOS's geometry, for CHS
        mov dl, [boot_drive]
        int 0x13
        jc .geometry_known
        movzx ax, cl
        and al, 0x3F                    ; CL 5..0: sectors per track
        jz .geometry_known              ; none: keep the BPB's (and divide by it)
        mov [bpb_sectors_per_track], ax
        movzx ax, dh                    ; DH: last head
        inc ax
        mov [bpb_heads], ax
        xchg cl, ch                     ; last cylinder: CL 7..6, then CH
        shr ch, 6
        mov [last_cylinder], cx
        push ds                         ; AH=08h may change ES:DI
        pop es
.geometry_known:
        mov ax, 1                       ; reserved sector 1: the rest of stage1
        mov cx, ax
        mov bx, PART2_ADDR
        call read_sectors
        cmp word [part2_magic], PART2_MAGIC
        je part2
        mov si, msg_no_part2
        jmp fail

; read_sectors: read CX sectors from volume sector AX on to ES:BX, one per
; call, each tried READ_TRIES times with a reset of the boot drive between.
; Returns AX past the last sector, BX past the data. Clobbers CX, DX, DI.
read_sectors:
        mov di, READ_TRIES
.try:
        pusha
        mov bp, sp
        call drive_lba                  ; DX:AX = sector on the drive
        cmp byte [read_function], EDD_READ
        jne .chs
        push byte 0                     ; disk address packet: LBA bits 63..32,
        push byte 0
        push dx                         ; LBA bits 31..0,
        push ax
        push es                         ; buffer,
        push bx
        push byte 1                     ; one sector,
        push byte 16                    ; packet size
        mov si, sp
        mov ah, EDD_READ
        jmp .call
.chs:
        ; sector = LBA % spt + 1, head = LBA / spt % heads,
        ; cylinder = LBA / spt / heads, which must not pass the last one.
        mov cx, [bpb_sectors_per_track]
        cmp dx, cx
        jae beyond_chs                  ; LBA / spt would not fit 16 bits
        div cx
        inc dx
        mov cl, dl
        xor dx, dx
        div word [bpb_heads]
        cmp ax, [last_cylinder]
        ja beyond_chs
        mov dh, dl
        mov ch, al
        shl ah, 6
        or cl, ah                       ; cylinder bits 9..8 in CL 7..6
        mov ax, CHS_READ_ONE
.call:
        mov dl, [boot_drive]
        int 0x13
        jnc .done
        xor ah, ah                      ; reset the boot drive (the failed call
        mov dl, [boot_drive]            ; may have changed DL), then retry
        int 0x13
        stc
.done:
        mov sp, bp
        popa
        jc .failed
        inc ax
        add bx, SECTOR_SIZE
        loop read_sectors
        ret
.failed:
        dec di
        jnz .try
        ; "disk error on drive 0xDD at LBA 0xLLLLLLLL"
        call drive_lba
        push ax
        push dx
        mov si, msg_disk_error
        call print_message
        mov ah, [boot_drive]
        mov cx, 2
        call print_hex
        mov si, msg_at_lba
        call print
        pop ax
        call print_hex
        pop ax
        call print_hex
        jmp halt

; drive_lba: DX:AX = volume sector AX plus the hidden sectors.
drive_lba:
        xor dx, dx
        add ax, [bpb_hidden_sectors]
        adc dx, [bpb_hidden_sectors + 2]
        ret

beyond_chs:
        mov si, msg_beyond_chs

; fail: print "stage1: ", the message at SI and CR LF, then halt for good.
fail:
        call print_message
halt:
        mov si, msg_crlf
        call print
.halt:
        cli
        hlt
        jmp .halt

; print_message: set COM1 to 115200 baud, 8N1 (its reset state, 5-bit
; words on Bochs, would garble the text), then print "stage1: " and the
; string at SI.
print_message:
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

%include "bios_print.inc"          ; print, print_hex, putc

msg_prefix:     db "stage1: ", 0
msg_disk_error: db "disk error on drive 0x", 0
msg_at_lba:     db " at LBA 0x", 0
msg_beyond_chs: db "beyond CHS", 0
msg_no_part2:   db "no sector 1", 0
msg_crlf:       db 13, 10, 0

boot_drive:     db 0
read_function:  db 0                    ; EDD_READ when the extensions are used
last_cylinder:  dw CHS_LAST_CYLINDER

        times 510 - ($ - $$) db 0
        dw 0xAA55

; ---- Sector 1: reserved sector 1 of the volume, run at PART2_ADDR --------
section part2 follows=.text vstart=PART2_ADDR

%include "fat12.inc"            ; the directory and FAT routines; sector 0
                                ; jumps to part2, below them

part2:
        ; A FAT that does not fit its buffer (FAT16 or larger) is not ours.
        cmp word [bpb_sectors_per_fat], FAT_MAX_SECTORS
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
        mov si, stage2_name
        call fat12_find_in_sector
        je .found
        jnc .next_sector                ; the directory goes on
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
        call read_run

        pop ax                          ; AX = STAGE2.BIN's first cluster
        mov bx, LAYOUT_STAGE2_ADDR
.run:
        ; A run: clusters that follow one another in the chain and on the
        ; disk, read in one call. DX walks the chain from AX.
        push ax                         ; the run's first cluster
        mov dx, ax
.extend:
        mov ax, dx
        call fat12_next                 ; AX = the cluster after DX
        inc dx
        cmp ax, dx
        jne .read
        cmp ax, FAT12_BAD               ; a chain into the reserved values
        jb .extend                      ; ends the run (and fails below)
.read:
        pop cx                          ; CX = the run's first cluster
        push ax                         ; the cluster after the run
        sub dx, cx                      ; DX = clusters in the run
        ; LBA = data_lba + (cluster - 2) * sectors_per_cluster. Data clusters
        ; are 2..0xFEF: anything else (0, 1, reserved, bad) wraps or lands
        ; above 0xFED here.
        sub cx, 2
        cmp cx, FAT12_BAD - 2
        jae bad_fat
        movzx ax, byte [bpb_sectors_per_cluster]
        mov di, ax
        mul dx                          ; AX = sectors in the run
        jc .too_big                     ; (CF: more than 16 bits)
        xchg ax, cx
        mul di
        add ax, [data_lba]
        ; The run must end at or below 0x10000: past it, BX would wrap onto
        ; the interrupt vectors. The room left is -BX in 16 bits (0 once BX
        ; has wrapped).
        mov si, bx
        neg si
        shr si, 9                       ; sectors of room
        cmp cx, si
        ja .too_big
        call read_run
        pop ax                          ; the cluster after the run
        cmp ax, FAT12_EOC
        jb .run

        mov dl, [boot_drive]
        jmp 0:LAYOUT_STAGE2_ADDR
.too_big:
        mov si, msg_too_big
        jmp fail
bad_fat:
        mov si, msg_bad_fat
        jmp fail

; read_run: read_sectors, in one AH=42h call where the extensions are used
; (a BIOS call costs far more than a sector; CX is at most 125 here, below
; the 127 every EDD BIOS takes). Should that call fail, read_sectors reads
; the run again a sector at a time, with its retries and a message naming
; the very sector.
read_run:
        cmp byte [read_function], EDD_READ
        jne read_sectors
        pusha
        mov bp, sp
        call drive_lba                  ; DX:AX = sector on the drive
        push byte 0                     ; disk address packet, as in
        push byte 0                     ; read_sectors, for CX sectors
        push dx
        push ax
        push es
        push bx
        push cx
        push byte 16
        mov si, sp
        mov ah, EDD_READ
        mov dl, [boot_drive]
        int 0x13
        mov sp, bp
        popa
        jc read_sectors
        add ax, cx
        shl cx, 9
        add bx, cx
        ret

stage2_name:    db "STAGE2  BIN"
msg_not_found:  db "no STAGE2.BIN", 0
msg_too_big:    db "STAGE2.BIN too big", 0
msg_bad_fat:    db "bad FAT", 0

root_lba:       dw 0
data_lba:       dw 0

        times 510 - ($ - $$) db 0
part2_magic:    dw PART2_MAGIC
