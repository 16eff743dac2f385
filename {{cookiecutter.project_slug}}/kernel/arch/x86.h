// Small wrappers for x86 instructions that C cannot express.
#ifndef X86_H
#define X86_H

#include <stdint.h>

static inline void
outb(uint16_t port, uint8_t value)
{
  __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t
inb(uint16_t port)
{
  uint8_t value;
  __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
  return value;
}

static inline uint64_t
rdtsc(void)
{
  uint32_t low, high;
  __asm__ volatile("rdtsc" : "=a"(low), "=d"(high));
  return ((uint64_t)high << 32) | low;
}

static inline void
cpu_pause(void)
{
  __asm__ volatile("pause");
}

// With interrupts disabled: enable them and halt until the next one, then
// disable them again. STI takes effect only after the next instruction, so
// no interrupt can slip in between a check made with interrupts off and
// the HLT (it would then wait for the one after).
static inline void
cpu_wait_for_interrupt(void)
{
  __asm__ volatile("sti; hlt; cli" : : : "memory");
}

// Bochs magic breakpoint: `make run-bochs-debug` stops in the Bochs debugger
// here (magic_break in build/gen/bochsrc); anywhere else it is a harmless
// xchg. NASM code has the same as BOCHS_BREAK in include/debug.inc.
static inline void
bochs_break(void)
{
  __asm__ volatile("xchg %bx, %bx");
}

// Stop this CPU for good: interrupts off, then HLT in a loop (an NMI can
// still wake HLT, so it loops).
__attribute__((noreturn)) static inline void
cpu_halt_forever(void)
{
  for (;;)
    __asm__ volatile("cli; hlt");
}

#endif
