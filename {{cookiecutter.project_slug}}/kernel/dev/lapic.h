#ifndef LAPIC_H
#define LAPIC_H

#include <stdbool.h>
#include <stdint.h>

// Set up this CPU's local APIC in the mode the firmware left it (x2APIC:
// through MSRs; xAPIC: its registers mapped uncached at LAYOUT_LAPIC_VIRT
// from the address in IA32_APIC_BASE), enable it through the
// spurious-interrupt register, mask the LVT entries it does not use, and
// install handlers for its spurious and error vectors. `madt_phys` is the
// MADT's address (0: none), only compared with the MSR's and logged.
// Needs idt_init, pic_disable and mmio_init first. Halts with a message
// when the CPU has no local APIC or the page cannot be mapped.
void lapic_init(uint64_t madt_phys);

// After lapic_init: whether the APIC runs in x2APIC mode, and its ID.
bool lapic_x2apic_mode(void);
uint32_t lapic_id(void);

// Enable this CPU's local APIC as lapic_init did the boot CPU's (same mode,
// registers and vectors); for application processors, after lapic_init.
void lapic_init_ap(void);

// This CPU's LINT0 and LINT1 pins: masked, or NMI (on PCs, LINT1 carries
// the chipset's NMI: memory and bus errors, an NMI button); acpi_wire_lints
// decides which. After lapic_init or lapic_init_ap. lapic_lint reads one
// back (its LVT entry).
enum lapic_lint {
  LAPIC_LINT_MASKED,
  LAPIC_LINT_NMI_ACTIVE_HIGH,
  LAPIC_LINT_NMI_ACTIVE_LOW,
};
void lapic_set_lint(unsigned lint, enum lapic_lint how);
uint32_t lapic_lint(unsigned lint);

// Interrupt command bits (ICR low word), SDM vol. 3A 10.6.1, figure 10-12.
#define LAPIC_ICR_FIXED   (0u << 8)  // delivery mode: the vector in bits 7..0
#define LAPIC_ICR_INIT    (5u << 8)  // delivery mode: INIT (reset to wait)
#define LAPIC_ICR_STARTUP (6u << 8)  // delivery mode: start at vector << 12
#define LAPIC_ICR_NMI     (4u << 8)  // delivery mode: NMI (vector ignored)
#define LAPIC_ICR_ASSERT  (1u << 14) // level: assert (all but INIT de-assert)

// Send the interprocessor interrupt `icr_command` (LAPIC_ICR_* | vector) to
// the CPU with local APIC id `apic_id`, and wait until the local APIC has
// sent it. Returns false if it was still pending after about 100 ms, or
// (nothing sent) if the id is beyond what xAPIC mode can address (255).
bool lapic_send_ipi(uint32_t apic_id, uint32_t icr_command);

// Acknowledge the interrupt being handled (handlers of LAPIC-delivered
// vectors call this; spurious interrupts must not).
void lapic_eoi(void);

#endif
