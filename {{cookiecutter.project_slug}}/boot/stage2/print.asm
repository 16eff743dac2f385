; Output for the loader: every character goes to the BIOS teletype (the
; screen) and to COM1, so failures are visible to a person and to a test.

%define COM1_BASE       0x3F8
%define UART_DATA       0       ; transmit holding register
%define UART_IER        1       ; interrupt enable
%define UART_FCR        2       ; FIFO control
%define UART_LCR        3       ; line control
%define UART_MCR        4       ; modem control
%define UART_LSR        5       ; line status
%define UART_DLL        0       ; divisor latch low (when LCR.DLAB = 1)
%define UART_DLM        1       ; divisor latch high (when LCR.DLAB = 1)
%define LCR_DLAB        0x80
%define LCR_8N1         0x03
%define FCR_ENABLE_CLEAR 0xC7   ; enable and clear both FIFOs, 14-byte trigger
%define MCR_DTR_RTS     0x03
%define LSR_THR_EMPTY   0x20    ; room for the next byte
%define LSR_TX_IDLE     0x40    ; everything sent, shift register empty
%define BAUD_115200     1       ; divisor of the 115200 Hz UART clock

; serial_init: COM1 at 115200 baud, 8N1, FIFOs on, no interrupts.
serial_init:
        mov dx, COM1_BASE + UART_IER
        xor al, al
        out dx, al
        mov dx, COM1_BASE + UART_LCR
        mov al, LCR_DLAB
        out dx, al
        mov dx, COM1_BASE + UART_DLL
        mov al, BAUD_115200
        out dx, al
        mov dx, COM1_BASE + UART_DLM
        xor al, al
        out dx, al
        mov dx, COM1_BASE + UART_LCR
        mov al, LCR_8N1
        out dx, al
        mov dx, COM1_BASE + UART_FCR
        mov al, FCR_ENABLE_CLEAR
        out dx, al
        mov dx, COM1_BASE + UART_MCR
        mov al, MCR_DTR_RTS
        out dx, al
        ret

; putc: AL to screen and COM1. Preserves all registers, 32-bit halves
; included: callers keep 32-bit values across it (print_hex keeps EBX), and
; a BIOS may use the upper halves inside INT 10h.
putc:
        pushad
        mov cl, al
        mov ah, 0x0E
        xor bx, bx
        int 0x10
        mov dx, COM1_BASE + UART_LSR
.wait:
        in al, dx
        test al, LSR_THR_EMPTY
        jz .wait
        mov al, cl
        mov dx, COM1_BASE + UART_DATA
        out dx, al
        popad
        ret

; serial_drain: wait until COM1 has sent every byte.
serial_drain:
        push ax
        push dx
        mov dx, COM1_BASE + UART_LSR
.wait:
        in al, dx
        test al, LSR_TX_IDLE
        jz .wait
        pop dx
        pop ax
        ret

; print: the NUL-terminated string at SI.
print:
        push ax
        push si
.next:
        lodsb
        test al, al
        jz .done
        call putc
        jmp .next
.done:
        pop si
        pop ax
        ret

; print_line: the string at SI, then CR LF.
print_line:
        call print
print_crlf:
        push ax
        mov al, 13
        call putc
        mov al, 10
        call putc
        pop ax
        ret

; print_hex: EAX as "0x" and eight hex digits.
print_hex:
        pushad
        mov ebx, eax
        mov al, '0'
        call putc
        mov al, 'x'
        call putc
        mov cx, 8
.digit:
        rol ebx, 4
        mov al, bl
        and al, 0x0F
        add al, '0'
        cmp al, '9'
        jbe .out
        add al, 'A' - '0' - 10
.out:
        call putc
        loop .digit
        popad
        ret

; print_dec: EAX in decimal.
print_dec:
        pushad
        mov ebx, 10
        xor cx, cx
.divide:
        xor edx, edx
        div ebx
        push dx                         ; digits come out lowest first
        inc cx
        test eax, eax
        jnz .divide
.digit:
        pop ax
        add al, '0'
        call putc
        loop .digit
        popad
        ret

; fail_figures: print "stage2: ", the message at SI, EAX in hex, the message
; at DI and EBX in hex (what was found against what is allowed or needed),
; then halt for good.
fail_figures:
        push eax
        push si
        mov si, msg_stage2
        call print
        pop si
        call print
        pop eax
        call print_hex
        mov si, di
        call print
        mov eax, ebx
        call print_hex
        call print_crlf
        jmp halt_forever

; fail: print "stage2: " and the message at SI, then halt for good
; (no reboot: a reboot loop hides the message).
fail:
        push si
        mov si, msg_stage2
        call print
        pop si
        call print_line
halt_forever:
        call serial_drain
        cli
.halt:
        hlt
        jmp .halt

msg_stage2:     db "stage2: ", 0

%ifdef INJECT_BIOS_CLOBBERS_HIGH
; Fault injection (make LOADER_FAULT=BIOS_CLOBBERS_HIGH): INT 10h returns
; with the upper halves of the general registers changed, as a BIOS that
; uses 32-bit code may. Every caller must still print the right figures.
%define IVT_INT10 (0x10 * 4)
%define CLOBBER_HIGH 0xDEAD0000
%macro clobber_high 1-*
  %rep %0
        and %1, 0xFFFF
        or %1, CLOBBER_HIGH
    %rotate 1
  %endrep
%endmacro

bios_clobber_install:
        push eax
        mov eax, [IVT_INT10]
        mov [bios_int10], eax
        mov word [IVT_INT10], bios_int10_clobber
        mov word [IVT_INT10 + 2], 0
        pop eax
        ret

bios_int10_clobber:
        pushf
        call far [cs:bios_int10]        ; the BIOS's own handler
        pushf
        clobber_high eax, ebx, ecx, edx, esi, edi, ebp
        popf
        iret

bios_int10:     dd 0
%endif
