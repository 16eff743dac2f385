// What happens on each interrupt vector. Registered handlers come first
// (LAPIC timer, PIC spurious IRQs, self-tests); a page fault then goes to
// the paging code; anything left is fatal: the CPU state is reported on the
// console and the CPU halts (a test build ends the emulator with a failure).
// Exception list: Intel SDM vol. 3A, table 6-1, and AMD APM vol. 2 table 8-1
// for #VC and #SX.

#include <stdbool.h>
#include <stdint.h>

#include "arch/cpu_local.h"
#include "arch/cpu_regs.h"
#include "arch/x86.h"
#include "cpu/idt.h"
#include "cpu/trap.h"
#include "dev/shutdown.h"
#include "lib/kprintf.h"
#include "mm/paging.h"
#include "mm/protect.h"

#define VECTOR_DOUBLE_FAULT 8
#define VECTOR_PAGE_FAULT   14

// Page-fault error code bits, SDM vol. 3A, 4.7 "Page-Fault Exceptions".
#define PF_PRESENT  (1u << 0) // 0: page not present; 1: protection
#define PF_WRITE    (1u << 1)
#define PF_USER     (1u << 2)
#define PF_RESERVED (1u << 3) // a reserved bit was set in a paging entry
#define PF_FETCH    (1u << 4) // instruction fetch

static trap_handler handlers[IDT_VECTORS];
static volatile int reporting; // a fault while reporting one: stop at once

static const char *const exception_names[IDT_EXCEPTION_VECTORS] = {
    "#DE divide error",
    "#DB debug",
    "NMI non-maskable interrupt",
    "#BP breakpoint",
    "#OF overflow",
    "#BR bound range exceeded",
    "#UD invalid opcode",
    "#NM device not available",
    "#DF double fault",
    "coprocessor segment overrun",
    "#TS invalid TSS",
    "#NP segment not present",
    "#SS stack-segment fault",
    "#GP general protection",
    "#PF page fault",
    "reserved (15)",
    "#MF x87 floating-point",
    "#AC alignment check",
    "#MC machine check",
    "#XM SIMD floating-point",
    "#VE virtualization",
    "#CP control protection",
    "reserved (22)",
    "reserved (23)",
    "reserved (24)",
    "reserved (25)",
    "reserved (26)",
    "reserved (27)",
    "#HV hypervisor injection",
    "#VC VMM communication",
    "#SX security",
    "reserved (31)",
};

// The default when no paging code is linked in: no page fault is expected.
__attribute__((weak)) bool
paging_handle_fault(uint64_t address, uint64_t error_code)
{
  (void)address;
  (void)error_code;
  return false;
}

void
trap_set_handler(uint8_t vector, trap_handler handler)
{
  handlers[vector] = handler;
}

const char *
trap_name(uint64_t vector)
{
  if (vector < IDT_EXCEPTION_VECTORS)
    return exception_names[vector];
  return "interrupt";
}

static void
trap_print_page_fault(uint64_t cr2, uint64_t error_code)
{
  kprintf("  CR2=%016lx (%s, %s, %s%s%s)\n", cr2,
          error_code & PF_PRESENT ? "protection" : "not present",
          error_code & PF_WRITE ? "write" : "read",
          error_code & PF_USER ? "user" : "kernel",
          error_code & PF_RESERVED ? ", reserved bit" : "",
          error_code & PF_FETCH ? ", instruction fetch" : "");
}

static void
trap_print_registers(const struct trap_frame *f)
{
  kprintf("  RAX=%016lx RBX=%016lx RCX=%016lx RDX=%016lx\n", f->rax, f->rbx,
          f->rcx, f->rdx);
  kprintf("  RSI=%016lx RDI=%016lx RBP=%016lx R8 =%016lx\n", f->rsi, f->rdi,
          f->rbp, f->r8);
  kprintf("  R9 =%016lx R10=%016lx R11=%016lx R12=%016lx\n", f->r9, f->r10,
          f->r11, f->r12);
  kprintf("  R13=%016lx R14=%016lx R15=%016lx\n", f->r13, f->r14, f->r15);
  kprintf("  CR0=%016lx CR3=%016lx CR4=%016lx\n", cr0_read(), cr3_read(),
          cr4_read());
}

// Report the CPU state for a fatal vector, then stop for good.
__attribute__((noreturn)) static void
trap_fatal(const struct trap_frame *f, uint64_t cr2)
{
  if (reporting++) {
    kprintf("\n[trap] vector %lu while reporting a fault: halting\n",
            f->vector);
    kernel_finish(false);
  }
  kprintf("\n[trap] unexpected %s: vector %lu (0x%lx), error code 0x%lx\n",
          trap_name(f->vector), f->vector, f->vector, f->error_code);
  kprintf("  RIP=%04lx:%016lx RFLAGS=%016lx RSP=%04lx:%016lx\n", f->cs, f->rip,
          f->rflags, f->ss, f->rsp);
  kprintf("  on cpu %u\n", cpu_index());
  if (f->vector == VECTOR_PAGE_FAULT)
    trap_print_page_fault(cr2, f->error_code);
  if (f->vector == VECTOR_DOUBLE_FAULT)
    kprintf("  CR2=%016lx (the last page-fault address)\n", cr2);
  const char *overflowed = protect_guard_page_stack(cr2);
  if ((f->vector == VECTOR_PAGE_FAULT || f->vector == VECTOR_DOUBLE_FAULT) &&
      overflowed)
    kprintf("[trap] %s overflow: CR2 is in its guard page %p\n", overflowed,
            (void *)(cr2 & ~(PT_PAGE_SIZE - 1)));
  trap_print_registers(f);
  kprintf("[trap] halted\n");
  kernel_finish(false); // a test build ends the emulator with a failure
}

void
trap_dispatch(struct trap_frame *frame)
{
  uint64_t cr2 = 0;

  // Read CR2 before anything else can fault and overwrite it. A #DF from a
  // stack overflow follows a page fault in the guard page: keep it too.
  if (frame->vector == VECTOR_PAGE_FAULT ||
      frame->vector == VECTOR_DOUBLE_FAULT)
    cr2 = cr2_read();
  if (handlers[frame->vector] && handlers[frame->vector](frame))
    return;
  if (frame->vector == VECTOR_PAGE_FAULT &&
      paging_handle_fault(cr2, frame->error_code))
    return;
  trap_fatal(frame, cr2);
}
