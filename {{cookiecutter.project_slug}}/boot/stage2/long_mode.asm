; The initial page tables, and the switch from real mode to long mode.
;
; Four tables at LAYOUT_BOOT_PAGE_TABLES map physical 0-2 MiB twice with 4 KiB
; pages: at virtual 0 (so this code keeps running after paging is on) and at
; LAYOUT_KERNEL_VIRT_BASE (where the kernel is linked). Both paths share the
; PDPT, PD and PT; the kernel drops the identity half once it runs.
;
; 4-level paging splits a virtual address into
;   63..48 sign extension | 47..39 PML4 | 38..30 PDPT | 29..21 PD | 20..12 PT | 11..0 offset

%define PAGE_SIZE       0x1000
%define PML4            (LAYOUT_BOOT_PAGE_TABLES + 0 * PAGE_SIZE)
%define PDPT            (LAYOUT_BOOT_PAGE_TABLES + 1 * PAGE_SIZE)
%define PD              (LAYOUT_BOOT_PAGE_TABLES + 2 * PAGE_SIZE)
%define PT              (LAYOUT_BOOT_PAGE_TABLES + 3 * PAGE_SIZE)
%define PTE_PRESENT     0x001
%define PTE_WRITABLE    0x002
%define PTE_FLAGS       (PTE_PRESENT | PTE_WRITABLE)
%define ENTRY_SIZE      8
%define KERNEL_PML4_INDEX ((LAYOUT_KERNEL_VIRT_BASE >> 39) & 511)
%define KERNEL_PDPT_INDEX ((LAYOUT_KERNEL_VIRT_BASE >> 30) & 511)
%define KERNEL_PD_INDEX   ((LAYOUT_KERNEL_VIRT_BASE >> 21) & 511)

%define CR0_PG          0x80000000
%define CR4_PAE         0x00000020
%define MSR_EFER        0xC0000080
%define EFER_LME        0x00000100      ; long mode enable
%define PIC1_DATA       0x21
%define PIC2_DATA       0xA1
%define CMOS_INDEX      0x70
%define CMOS_DATA       0x71
%define CMOS_NMI_OFF    0x80            ; index port bit 7: NMI masked
%define CMOS_REG_D      0x0D            ; status register D: reading it changes nothing

; nmi_mask: keep NMIs from the CPU. Until the kernel loads its IDT, IDTR
; holds the real-mode vector table: an NMI in protected or long mode would
; triple-fault. BIOS calls write the CMOS index port with bit 7 clear (to
; read the floppy type or the memory size), so this runs at every switch out
; of real mode, the last one after the last BIOS call; the kernel unmasks
; once its IDT is loaded (idt_init). An RTC expects a data access after each
; index write, hence the read.
nmi_mask:
        push ax
        mov al, CMOS_NMI_OFF | CMOS_REG_D
        out CMOS_INDEX, al
        in al, CMOS_DATA
        pop ax
        ret

; boot_tables_build: zero the four tables and fill them in. Interrupts stay
; off from here on: no BIOS code runs after this point.
boot_tables_build:
        call unreal_enter
        mov edi, LAYOUT_BOOT_PAGE_TABLES
        mov ecx, 4 * PAGE_SIZE / 4
        xor eax, eax
        a32 rep stosd

        mov edi, PML4
        mov dword [edi + 0 * ENTRY_SIZE], PDPT | PTE_FLAGS
        mov dword [edi + KERNEL_PML4_INDEX * ENTRY_SIZE], PDPT | PTE_FLAGS
        mov edi, PDPT
        mov dword [edi + 0 * ENTRY_SIZE], PD | PTE_FLAGS
        mov dword [edi + KERNEL_PDPT_INDEX * ENTRY_SIZE], PD | PTE_FLAGS
        mov edi, PD
        mov dword [edi + 0 * ENTRY_SIZE], PT | PTE_FLAGS
        mov dword [edi + KERNEL_PD_INDEX * ENTRY_SIZE], PT | PTE_FLAGS

        mov edi, PT                     ; 512 pages: physical 0 to 2 MiB
        mov eax, PTE_FLAGS
        mov cx, 512
.page:
        mov [edi], eax
        add eax, PAGE_SIZE
        add edi, ENTRY_SIZE
        loop .page
        ret

; long_mode_enter: straight from real mode to long mode (Intel SDM vol. 3A,
; 10.8.5: PAE, then EFER.LME, then CR0.PG with CR0.PE), then a far jump into
; the 64-bit code segment. Interrupts stay off until the kernel has an IDT;
; the 8259s are masked so nothing is pending meanwhile, and so is NMI.
long_mode_enter:
        cli
        call nmi_mask
        mov al, 0xFF
        out PIC1_DATA, al
        out PIC2_DATA, al
        lgdt [gdt_pointer]
        mov eax, cr4
        or eax, CR4_PAE
        mov cr4, eax
        mov eax, PML4
        mov cr3, eax
        mov ecx, MSR_EFER
        rdmsr
        or eax, EFER_LME
        wrmsr
        mov eax, cr0
        or eax, CR0_PG | CR0_PE
        mov cr0, eax
        jmp SEL_CODE64:long_mode_start

        bits 64
long_mode_start:
        mov ax, SEL_DATA
        mov ds, ax
        mov es, ax
        mov ss, ax
        xor ax, ax
        mov fs, ax
        mov gs, ax
        mov rsp, LAYOUT_STAGE2_STACK_TOP
        mov rdi, LAYOUT_KERNEL_VIRT_BASE + LAYOUT_E820_BUFFER
        mov rax, LAYOUT_KERNEL_VIRT_BASE + LAYOUT_KERNEL_LOAD_ADDR
        jmp rax
        bits 16
