// The kernel GDT and its TSS. In long mode segmentation is mostly off; the
// GDT still supplies the code/data selectors and the TSS, whose interrupt
// stack table gives the double-fault and NMI handlers stacks of their own
// (a #DF caused by a bad kernel stack would otherwise triple-fault). Each
// of those stacks sits on its own pages above a guard page that protect.c
// leaves unmapped, so a handler that overflows its stack faults instead of
// overwriting the BSS beside it.
// Intel SDM vol. 3A: 3.4.5 "Segment Descriptors", 7.2.3 "TSS Descriptor in
// 64-bit mode", 7.7 "Task Management in 64-bit Mode" (section numbers as in
// the 2016-2021 editions).

#include <stdint.h>

#include "cpu/gdt.h"
#include "layout.h"
#include "lib/kprintf.h"
#include "mm/protect.h"
#include "mm/pt_core.h"

#define IST_STACK_SIZE PT_PAGE_SIZE

// Code/data descriptor flags, SDM vol. 3A, figure 3-8.
#define SEG_ACCESSED    (1ull << 40)
#define SEG_WRITABLE    (1ull << 41) // data: writable; code: readable
#define SEG_EXECUTABLE  (1ull << 43)
#define SEG_CODE_DATA   (1ull << 44) // S: code or data (not system)
#define SEG_PRESENT     (1ull << 47)
#define SEG_LONG_MODE   (1ull << 53) // L: 64-bit code
#define SEG_DEFAULT_32  (1ull << 54) // D/B: must be 0 with L set
#define SEG_GRANULARITY (1ull << 55) // limit in 4 KiB units
#define SEG_LIMIT_MAX   (0xFFFFull | (0xFull << 48))

// 64-bit TSS descriptor (16 bytes), SDM vol. 3A, figure 7-4.
#define TSS_TYPE_AVAILABLE 0x9ull // 64-bit TSS, not busy
#define TSS_TYPE_SHIFT     40

_Static_assert(sizeof(struct tss) == 104, "64-bit TSS is 104 bytes");

struct gdt_pointer {
  uint16_t limit;
  uint64_t base;
} __attribute__((packed));

static struct gdt_tables boot_tables; // the boot CPU's
struct ist_stack {
  uint8_t guard[PT_PAGE_SIZE]; // unmapped (protect.c)
  uint8_t stack[IST_STACK_SIZE];
} __attribute__((aligned(PT_PAGE_SIZE)));

static struct ist_stack double_fault_stack, nmi_stack;

// The top of an IST stack, with its guard page registered for protect.c.
static uint64_t
ist_stack_top(struct ist_stack *s, const char *name)
{
  protect_add_guard_page((uint64_t)s->guard, name);
  return (uint64_t)(s->stack + sizeof(s->stack));
}

static void
gdt_set_tss(uint64_t *gdt, int index, const struct tss *t)
{
  uint64_t base = (uint64_t)t;
  uint64_t limit = sizeof(*t) - 1;

  gdt[index] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) |
               (TSS_TYPE_AVAILABLE << TSS_TYPE_SHIFT) | SEG_PRESENT |
               (((base >> 24) & 0xFF) << 56);
  gdt[index + 1] = base >> 32;
}

// FS and GS are left alone: GS's base is the CPU's data (arch/cpu_local.h),
// and loading the register would clear it on Intel CPUs.
static void
gdt_load(const struct gdt_tables *t)
{
  struct gdt_pointer pointer = {sizeof(t->gdt) - 1, (uint64_t)t->gdt};

  // A far return reloads CS; the data registers are loaded directly.
  __asm__ volatile("lgdt %0\n\t"
                   "pushq %1\n\t"
                   "leaq 1f(%%rip), %%rax\n\t"
                   "pushq %%rax\n\t"
                   "lretq\n"
                   "1:\n\t"
                   "movw %w2, %%ds\n\t"
                   "movw %w2, %%es\n\t"
                   "movw %w2, %%ss\n\t"
                   "ltr %w3"
                   :
                   : "m"(pointer), "i"(GDT_SEL_KERNEL_CODE),
                     "r"(GDT_SEL_KERNEL_DATA), "r"(GDT_SEL_TSS)
                   : "rax", "memory");
}

// Fill a GDT and its TSS: RSP0 and the two IST stack tops given.
static void
gdt_fill(struct gdt_tables *t, uint64_t rsp0, uint64_t df_top, uint64_t nmi_top)
{
  uint64_t *gdt = t->gdt;

  gdt[0] = 0;
  gdt[GDT_SEL_KERNEL_CODE / 8] = SEG_LIMIT_MAX | SEG_ACCESSED | SEG_WRITABLE |
                                 SEG_EXECUTABLE | SEG_CODE_DATA | SEG_PRESENT |
                                 SEG_LONG_MODE | SEG_GRANULARITY;
  gdt[GDT_SEL_KERNEL_DATA / 8] = SEG_LIMIT_MAX | SEG_ACCESSED | SEG_WRITABLE |
                                 SEG_CODE_DATA | SEG_PRESENT | SEG_DEFAULT_32 |
                                 SEG_GRANULARITY;

  t->tss.rsp[0] = rsp0; // used once ring 3 exists
  t->tss.ist[GDT_IST_DOUBLE_FAULT - 1] = df_top;
  t->tss.ist[GDT_IST_NMI - 1] = nmi_top;
  t->tss.iomap_base = sizeof(t->tss);
  gdt_set_tss(gdt, GDT_SEL_TSS / 8, &t->tss);
}

void
gdt_init(void)
{
  // RSP0 is the boot stack from layout.cfg.
  gdt_fill(&boot_tables, LAYOUT_KERNEL_VIRT_BASE + LAYOUT_KERNEL_STACK_TOP,
           ist_stack_top(&double_fault_stack, "#DF stack"),
           ist_stack_top(&nmi_stack, "NMI stack"));
  gdt_load(&boot_tables);
  kprintf("[gdt] loaded: code 0x%x, data 0x%x, TSS 0x%x; IST%d #DF stack, "
          "IST%d NMI stack (%lu bytes each, guard pages at %p and %p)\n",
          GDT_SEL_KERNEL_CODE, GDT_SEL_KERNEL_DATA, GDT_SEL_TSS,
          GDT_IST_DOUBLE_FAULT, GDT_IST_NMI, (uint64_t)IST_STACK_SIZE,
          (void *)double_fault_stack.guard, (void *)nmi_stack.guard);
}

void
gdt_init_ap(struct gdt_tables *t, uint64_t rsp0, uint64_t df_top,
            uint64_t nmi_top)
{
  gdt_fill(t, rsp0, df_top, nmi_top);
  gdt_load(t);
}

uint16_t
gdt_task_register(void)
{
  uint16_t selector;
  __asm__ volatile("str %0" : "=r"(selector));
  return selector;
}
