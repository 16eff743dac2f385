#ifndef PIC_H
#define PIC_H

#include <stdint.h>

// Remap the two 8259 PICs to IDT_PIC_BASE..+15 (away from the CPU
// exceptions), mask every IRQ, and install handlers for their vectors: a
// spurious IRQ 7 or 15 is counted and ignored, any other IRQ (none should
// arrive while masked) is acknowledged and counted. The local APIC takes
// over; call before enabling interrupts.
void pic_disable(void);

// Spurious IRQs seen on IRQ 7/15, and other IRQs that arrived masked.
uint64_t pic_spurious_count(void);
uint64_t pic_unexpected_count(void);

#endif
