// Firmware hand-over states for test builds (see firmware.c).
#ifndef FIRMWARE_H
#define FIRMWARE_H

// Put the CPU in a state that real firmware may hand over and the
// emulators' BIOSes do not, chosen when the test image is built:
//   make test-image KCFLAGS='-O2 -g -DFIRMWARE_X2APIC'
//   FIRMWARE_X2APIC     the local APIC in x2APIC mode (needs a CPU that has
//                       it: Bochs with `cpuid: x2apic=1`, see tests)
//   FIRMWARE_PAT_WB     every PAT entry write-back, so PCD|PWT is cached
//   FIRMWARE_APIC_MOVED the local APIC's registers moved to another page
//                       (IA32_APIC_BASE), so the MADT's address is stale
//   FIRMWARE_APIC_SOFT_OFF  the local APIC software-disabled (SVR bit 8
//                       clear), as it is after reset
//   FIRMWARE_HPET_STOPS the HPET's main counter stopped once the kernel has
//                       seen it count (an SMI handler or a chipset fault)
// Logs what it did with a [firmware] prefix. Call first thing in kmain,
// after console_init; does nothing in a build without such a define.
void firmware_pretend(void);

// The states that need device mappings (FIRMWARE_APIC_SOFT_OFF): call
// after mmio_init, before lapic_init.
void firmware_pretend_devices(void);

// The clocks' states (FIRMWARE_HPET_STOPS: the HPET's main counter stopped
// after hpet_init saw it count, so the LAPIC timer's calibration finds a
// clock standing still): call after hpet_init, before lapic_timer_start.
void firmware_pretend_clocks(void);

#endif
