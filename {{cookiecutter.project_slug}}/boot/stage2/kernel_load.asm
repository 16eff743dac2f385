; kernel_load: find KERNEL.BIN in the FAT12 root directory and copy it to
; LAYOUT_KERNEL_LOAD_ADDR (above 1 MiB).
;
; Stage1 leaves the first FAT at the start of the FAT buffer. Root directory
; sectors are read one at a time into the rest of that buffer until
; KERNEL.BIN turns up. The file is then read in runs of consecutive clusters
; into the disk read buffer (64 KiB at LAYOUT_DISK_BUFFER_ADDR, addressed as
; segment:0), each run as long as the buffer, the chain and the bytes left
; allow, and each copied up through unreal mode. BIOS calls are what loading
; costs (a fixed overhead each, on top of the sectors), so a run is one
; AH=42h call of up to 127 sectors; CHS reads split it at track ends.

%include "fat12.inc"            ; DIR_*, FAT12_*, fat12_find_in_sector, fat12_next
%define KERNEL_AREA_SIZE (LAYOUT_KERNEL_AREA_END - LAYOUT_KERNEL_LOAD_ADDR)
%define DISK_BUFFER_SEGMENT (LAYOUT_DISK_BUFFER_ADDR >> 4)
; A run: the buffer's sectors, at most what one AH=42h call takes.
%if LAYOUT_DISK_BUFFER_SIZE / SECTOR_SIZE < EDD_MAX_SECTORS
  %define RUN_MAX_SECTORS (LAYOUT_DISK_BUFFER_SIZE / SECTOR_SIZE)
%else
  %define RUN_MAX_SECTORS EDD_MAX_SECTORS
%endif

kernel_load:
        cmp word [BPB_BYTES_PER_SECTOR], SECTOR_SIZE
        jne .bad_format
        call fat_geometry
        ; The FAT plus one root-directory sector must fit the FAT buffer.
        mov ax, [BPB_SECTORS_PER_FAT]
        inc ax
        cmp ax, LAYOUT_FAT_BUFFER_SIZE / SECTOR_SIZE
        ja .bad_format
        mov bx, [BPB_SECTORS_PER_FAT]
        shl bx, SECTOR_SHIFT
        add bx, LAYOUT_FAT_BUFFER
        mov [dir_buffer], bx            ; root-directory sectors: after the FAT
        ; Clusters per run; a run has at least one (a FAT cluster is at
        ; most 128 sectors, 64 KiB: the size of the disk read buffer).
        mov ax, RUN_MAX_SECTORS
        xor dx, dx
        div word [cluster_sectors]
        mov [run_max_clusters], ax

        call find_kernel_entry          ; DI = directory entry

        mov eax, [di + DIR_FILE_SIZE]
        test eax, eax
        jz .empty
        cmp eax, KERNEL_AREA_SIZE
        ja .too_big
        mov [kernel_size], eax
        mov [bytes_left], eax
        mov ax, [di + DIR_CLUSTER]
        mov [cluster], ax

        mov dword [destination], LAYOUT_KERNEL_LOAD_ADDR
.next_run:
        cmp dword [bytes_left], 0
        je .loaded
        call read_cluster_run
        jmp .next_run
.loaded:
        call kernel_verify
        mov si, msg_kernel_loaded
        call print
        mov eax, [kernel_size]
        call print_hex
        mov si, msg_bytes_at
        call print
        mov eax, LAYOUT_KERNEL_LOAD_ADDR
        call print_hex
        call print_crlf
        ret
.bad_format:
        mov si, msg_bad_format
        jmp fail
.empty:
        mov si, msg_kernel_empty
        jmp fail
.too_big:
        mov si, msg_kernel_too_big
        mov di, msg_area_holds
        mov ebx, KERNEL_AREA_SIZE
        jmp fail_figures

; kernel_verify: check the trailer at the end of the loaded KERNEL.BIN
; (format and checksum rule in include/bootinfo.h). A floppy controller may
; return zeros for a sector it could not read without reporting an error, so
; a clean read is not proof of a good kernel. Halts with a message on a
; mismatch.
kernel_verify:
        mov ecx, [kernel_size]
        sub ecx, KERNEL_TRAILER_SIZE
        jbe .no_trailer                 ; too short to hold a trailer and code
        call unreal_enter               ; interrupts stay off until the end
        mov esi, LAYOUT_KERNEL_LOAD_ADDR
        mov ebx, 1                      ; a
        xor edx, edx                    ; sum
.byte:
        movzx eax, byte [esi]
        add ebx, eax
        add edx, ebx
        inc esi
        dec ecx
        jnz .byte
        cmp dword [esi], KERNEL_TRAILER_MAGIC
        jne .no_trailer
        mov eax, [esi + 4]
        sti
        cmp edx, eax
        jne .corrupt
        ret
.no_trailer:
        sti
        mov si, msg_no_trailer
        jmp fail
.corrupt:
        mov ebx, eax                    ; the trailer's checksum
        mov eax, edx                    ; the loaded bytes' checksum
        mov si, msg_corrupt
        mov di, msg_expected
        jmp fail_figures

; fat_geometry: where the root directory and the data area start.
fat_geometry:
        movzx ax, byte [BPB_FAT_COUNT]
        mul word [BPB_SECTORS_PER_FAT]
        add ax, [BPB_RESERVED_SECTORS]
        mov [root_lba], ax
        mov ax, [BPB_ROOT_ENTRIES]
        add ax, SECTOR_SIZE / DIR_ENTRY_SIZE - 1
        shr ax, SECTOR_SHIFT - 5        ; 32-byte entries per sector
        add ax, [root_lba]
        mov [data_lba], ax
        movzx ax, byte [BPB_SECTORS_PER_CLUSTER]
        mov [cluster_sectors], ax
        ret

; find_kernel_entry: DI = root directory entry of KERNEL.BIN (in the FAT
; buffer, after the FAT), else halt. Reads the root directory a sector at a
; time; stops at the end marker; skips deleted entries, directories and
; labels.
find_kernel_entry:
        mov ax, [root_lba]
.next_sector:
        cmp ax, [data_lba]              ; the data area follows the root
        jae .missing
        mov cx, 1
        mov bx, [dir_buffer]
        call read_sectors
        inc ax
        mov di, [dir_buffer]
        mov si, kernel_name
        call fat12_find_in_sector
        je .found
        jnc .next_sector                ; the directory goes on
.missing:
        mov si, msg_kernel_missing
        jmp fail
.found:
        ret

; read_cluster_run: read the longest run of consecutive clusters that fits
; a run (run_max_clusters) into the disk read buffer, copy its useful bytes
; to [destination], advance.
read_cluster_run:
        mov ax, [cluster]
        call check_cluster
        mov [run_start], ax
        mov word [run_length], 1
.extend:
        mov ax, [run_length]
        cmp ax, [run_max_clusters]
        jae .read
        movzx eax, ax
        movzx edx, word [cluster_sectors]
        imul eax, edx
        shl eax, SECTOR_SHIFT           ; bytes in the run so far
        cmp eax, [bytes_left]
        jae .read
        mov ax, [cluster]
        call fat12_next
        mov bx, [cluster]
        inc bx
        cmp ax, bx
        jne .read
        mov [cluster], ax
        inc word [run_length]
        jmp .extend
.read:
        mov ax, [cluster]
        call fat12_next
        mov [cluster], ax               ; where the next run starts
        mov ax, [run_start]
        sub ax, FAT12_FIRST
        mul word [cluster_sectors]
        add ax, [data_lba]
        push ax
        mov ax, [run_length]
        mul word [cluster_sectors]
        mov cx, ax
        pop ax
        push es
        push word DISK_BUFFER_SEGMENT   ; ES:BX = the disk read buffer
        pop es
        xor bx, bx
        call read_sectors
        pop es                          ; segment 0 again, for the copy
        ; Copy min(run bytes, bytes left) to the destination above 1 MiB.
        movzx ecx, word [run_length]
        movzx eax, word [cluster_sectors]
        imul ecx, eax
        shl ecx, SECTOR_SHIFT
        cmp ecx, [bytes_left]
        jbe .copy
        mov ecx, [bytes_left]
.copy:
        sub [bytes_left], ecx
        call unreal_enter               ; interrupts off for the copy
        mov esi, LAYOUT_DISK_BUFFER_ADDR
        mov edi, [destination]
        add [destination], ecx
        mov eax, ecx
        shr ecx, 2                      ; dwords first: a quarter of the
        a32 rep movsd                   ; steps, each costly in an emulator
        mov ecx, eax
        and ecx, 3                      ; then the 0 to 3 bytes left
        a32 rep movsb
        sti
        ret

; check_cluster: halt unless AX is a data cluster (the chain is broken or
; ends before the directory entry's size is reached).
check_cluster:
        cmp ax, FAT12_FIRST
        jb .broken
        cmp ax, FAT12_BAD
        jae .broken
        ret
.broken:
        mov si, msg_bad_chain
        jmp fail

kernel_name:    db "KERNEL  BIN"
msg_kernel_missing: db "KERNEL.BIN not found in the root directory", 0
msg_kernel_empty:   db "KERNEL.BIN is empty", 0
msg_kernel_too_big: db "KERNEL.BIN does not fit its area: ", 0
msg_area_holds:     db " bytes, the kernel load area holds ", 0
msg_bad_chain:      db "KERNEL.BIN has a broken cluster chain", 0
msg_bad_format:     db "unsupported disk format (needs 512-byte sectors and a FAT that fits the FAT buffer)", 0
msg_no_trailer:     db "KERNEL.BIN has no checksum trailer (build the image with make)", 0
msg_corrupt:        db "KERNEL.BIN is corrupt: checksum ", 0
msg_expected:       db ", expected ", 0
msg_kernel_loaded:  db "stage2: KERNEL.BIN ", 0
msg_bytes_at:       db " bytes at ", 0

                align 4
kernel_size:    dd 0
bytes_left:     dd 0
destination:    dd 0
root_lba:       dw 0
data_lba:       dw 0
cluster_sectors: dw 0
cluster:        dw 0
run_start:      dw 0
run_length:     dw 0
dir_buffer:     dw 0
run_max_clusters: dw 0
