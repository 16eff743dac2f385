; a20_enable: open the A20 gate so addresses above 1 MiB do not wrap.
;
; With A20 off, bit 20 of every address is forced to zero (8086
; compatibility), so a copy to 1 MiB would land on the interrupt table.
; Three ways are tried, each verified: the BIOS (INT 15h AX=2401h), the
; keyboard controller's output port, and "fast A20" (port 0x92).

%define KBC_DATA        0x60
%define KBC_COMMAND     0x64    ; write: command; read: status
%define KBC_STATUS_OUT_FULL 0x01
%define KBC_STATUS_IN_FULL  0x02
%define KBC_CMD_DISABLE_KBD 0xAD
%define KBC_CMD_ENABLE_KBD  0xAE
%define KBC_CMD_READ_OUTPUT 0xD0
%define KBC_CMD_WRITE_OUTPUT 0xD1
%define KBC_OUTPUT_A20  0x02
%define SYSCTL_PORT_A   0x92
%define SYSCTL_A20      0x02
%define SYSCTL_RESET    0x01    ; never set: it resets the machine
%define A20_TEST_LOW    0x0500  ; 0000:0500 and FFFF:0510 are the same
%define A20_TEST_HIGH   0x0510  ; byte when A20 is off
%define KBC_OUTPUT_NO_RESET 0x01 ; output port bit 0 low resets the CPU
%define IO_DELAY_PORT   0x80    ; POST code port: a write takes about 1 us

a20_enable:
        call a20_check
        jnc .on
        mov ax, 0x2401
        int 0x15
        call a20_settled
        jnc .on
        call a20_keyboard_controller
        call a20_settled
        jnc .on
        in al, SYSCTL_PORT_A
        or al, SYSCTL_A20
        and al, ~SYSCTL_RESET
        out SYSCTL_PORT_A, al
        call a20_settled
        jnc .on
        mov si, msg_a20
        jmp fail
.on:
        ret

; a20_settled: CF clear once A20 reads as on. A keyboard controller can take
; a while to switch the gate, so it looks up to 65536 times, about 1 us apart.
a20_settled:
        push cx
        xor cx, cx
.try:
        call a20_check
        jnc .done
        out IO_DELAY_PORT, al
        loop .try
        stc
.done:
        pop cx
        ret

; a20_check: CF clear if A20 is on. Writes two test bytes and restores them.
a20_check:
%ifdef INJECT_A20
        stc                             ; fault-injection builds: never "on"
        ret
%endif
        push ds
        push es
        push ax
        push bx
        xor ax, ax
        mov ds, ax
        dec ax
        mov es, ax                      ; ES = 0xFFFF
        mov bl, [ds:A20_TEST_LOW]
        mov bh, [es:A20_TEST_HIGH]
        mov byte [ds:A20_TEST_LOW], 0x00
        mov byte [es:A20_TEST_HIGH], 0xFF
        cmp byte [ds:A20_TEST_LOW], 0xFF ; equal: the write wrapped around
        mov [es:A20_TEST_HIGH], bh
        mov [ds:A20_TEST_LOW], bl
        pop bx
        pop ax
        pop es
        pop ds
        je .off
        clc
        ret
.off:
        stc
        ret

; a20_keyboard_controller: set the A20 bit of the 8042's output port.
a20_keyboard_controller:
        cli
        call kbc_wait_input
        mov al, KBC_CMD_DISABLE_KBD
        out KBC_COMMAND, al
        call kbc_drain                  ; a key pressed before would read
        call kbc_wait_input             ; as the output port
        mov al, KBC_CMD_READ_OUTPUT
        out KBC_COMMAND, al
        call kbc_wait_output
        in al, KBC_DATA
        mov ah, al
        call kbc_wait_input
        mov al, KBC_CMD_WRITE_OUTPUT
        out KBC_COMMAND, al
        call kbc_wait_input
        mov al, ah
        or al, KBC_OUTPUT_A20 | KBC_OUTPUT_NO_RESET
        out KBC_DATA, al
        call kbc_wait_input
        mov al, KBC_CMD_ENABLE_KBD
        out KBC_COMMAND, al
        call kbc_wait_input
        sti
        ret

; The waits give up after 65536 polls, so a machine without an 8042 does not
; hang here; the A20 check afterwards tells whether it worked.
kbc_wait_input:
        push cx
        xor cx, cx
.poll:
        in al, KBC_COMMAND
        test al, KBC_STATUS_IN_FULL
        loopnz .poll
        pop cx
        ret

; kbc_drain: read and drop whatever waits in the output buffer (at most 16
; bytes, so a stuck status bit cannot hang it).
kbc_drain:
        push cx
        mov cx, 16
.next:
        in al, KBC_COMMAND
        test al, KBC_STATUS_OUT_FULL
        jz .done
        in al, KBC_DATA
        loop .next
.done:
        pop cx
        ret

kbc_wait_output:
        push cx
        xor cx, cx
.poll:
        in al, KBC_COMMAND
        test al, KBC_STATUS_OUT_FULL
        loopz .poll
        pop cx
        ret

msg_a20:        db "A20 could not be enabled (BIOS, keyboard controller and port 0x92 all failed)", 0
