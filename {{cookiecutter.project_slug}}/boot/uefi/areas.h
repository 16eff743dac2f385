// The kernel's fixed physical areas (layout.cfg), claimed from the firmware
// at their addresses before anything is written there.

#ifndef UEFI_AREAS_H
#define UEFI_AREAS_H

#include <stdbool.h>

#include "uefi/efi.h"

// Claim every area with AllocatePages(AllocateAddress). On failure, say
// which area is taken (and by what kind of firmware memory), give back the
// areas already claimed and return false.
bool areas_claim(struct efi_boot_services *bs);

// Give every claimed area back (on the way back to the firmware).
void areas_release(struct efi_boot_services *bs);

#endif
