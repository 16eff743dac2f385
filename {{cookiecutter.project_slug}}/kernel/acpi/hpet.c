// The HPET description table: where the HPET's registers are. IA-PC HPET
// (High Precision Event Timers) specification 1.0a, section 3.2.4, table 3.
// The caller has checked the table's length and checksum.

#include <stdbool.h>
#include <stdint.h>

#include "acpi/acpi.h"

#define HPET_OFF_BLOCK_ID                                                      \
  36 // u32: a copy of the capabilities register's low half
#define HPET_OFF_ADDRESS  40 // Generic Address Structure (12 bytes)
#define HPET_OFF_NUMBER   52 // u8
#define HPET_OFF_MIN_TICK 53 // u16
#define HPET_TABLE_LENGTH 56 // through the page-protection byte
#define GAS_OFF_SPACE     0  // u8: address space id
#define GAS_OFF_ADDRESS   4  // u64
#define GAS_SPACE_MEMORY  0  // system memory (ACPI 6.5, table 5.1)

static uint64_t
hpet_read_le(const uint8_t *bytes, int size)
{
  uint64_t value = 0;

  for (int i = size - 1; i >= 0; i--)
    value = (value << 8) | bytes[i];
  return value;
}

enum acpi_status
acpi_hpet_parse(const struct acpi_sdt_header *table, struct acpi_hpet *hpet)
{
  const uint8_t *bytes = (const uint8_t *)table;
  const uint8_t *gas = bytes + HPET_OFF_ADDRESS;

  if (table->length < HPET_TABLE_LENGTH)
    return ACPI_BAD_LENGTH;
  hpet->event_timer_block_id =
      (uint32_t)hpet_read_le(bytes + HPET_OFF_BLOCK_ID, 4);
  hpet->address_in_memory = gas[GAS_OFF_SPACE] == GAS_SPACE_MEMORY;
  hpet->address = hpet_read_le(gas + GAS_OFF_ADDRESS, 8);
  hpet->number = bytes[HPET_OFF_NUMBER];
  hpet->min_tick = (uint16_t)hpet_read_le(bytes + HPET_OFF_MIN_TICK, 2);
  return ACPI_OK;
}
