#ifndef TRAP_H
#define TRAP_H

#include <stdbool.h>
#include <stdint.h>

// The stack frame trap_entry.asm builds: the general registers it pushes
// (last pushed first), the vector and error code, then what the CPU pushed.
struct trap_frame {
  uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
  uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
  uint64_t vector;
  uint64_t error_code; // 0 for vectors without one
  uint64_t rip, cs, rflags, rsp, ss;
};

// A handler returns true when it dealt with the event and the interrupted
// code may resume (it may change the frame, e.g. advance rip). Returning
// false makes the event fatal: it is reported and the CPU halts.
typedef bool (*trap_handler)(struct trap_frame *frame);

// Install (or, with 0, remove) the handler for a vector. Exceptions without
// a handler are fatal (a page fault first goes to paging_handle_fault);
// interrupts without one are reported as unexpected and are fatal too.
void trap_set_handler(uint8_t vector, trap_handler handler);

// Called by trap_entry.asm for every vector.
void trap_dispatch(struct trap_frame *frame);

// The exception's mnemonic and name, "#PF page fault"; "interrupt" for 32+.
const char *trap_name(uint64_t vector);

#endif
