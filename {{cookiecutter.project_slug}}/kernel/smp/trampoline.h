// The AP trampoline (trampoline.asm) as the boot CPU sees it: four pages
// at LAYOUT_SMP_TRAMPOLINE, the code page first, then the PML4, PDPT and
// PD the starting CPUs switch to long mode on.
#ifndef TRAMPOLINE_H
#define TRAMPOLINE_H

#include <stdint.h>

#include "layout.h"

#define TRAMPOLINE_ARGS_OFFSET 8 // trampoline.asm: ARGS_OFFSET
#define TRAMPOLINE_PML4        (LAYOUT_SMP_TRAMPOLINE + 0x1000)
#define TRAMPOLINE_PDPT        (LAYOUT_SMP_TRAMPOLINE + 0x2000)
#define TRAMPOLINE_PD          (LAYOUT_SMP_TRAMPOLINE + 0x3000)

// What the trampoline reads, at TRAMPOLINE_ARGS_OFFSET in its page.
struct trampoline_args {
  uint64_t entry; // kernel virtual address to jump to in long mode
  uint32_t cr0;   // loaded as is: turns on paging and long mode
  uint32_t cr4;   // loaded before CR3: PAE and what else the BSP has on
  uint32_t efer;  // OR-ed into IA32_EFER: LME, NXE
  uint32_t reserved;
} __attribute__((packed));

// Copy the trampoline to its page, fill in its arguments (the entry point
// and the boot CPU's control registers) and build its tables: physical
// [0, 2 MiB) 1:1, and the kernel's half from the kernel's own PML4.
// Returns the STARTUP IPI vector (the page number).
uint8_t trampoline_install(void);

#endif
