#!/usr/bin/env python3
"""Write the fuzzers' seed corpora: valid inputs that libFuzzer mutates.

    python3 tests/fuzz/seeds.py OUT_DIR

writes OUT_DIR/corpus-e820/seed-* (inputs of tests/fuzz/mm/fuzz_e820.c) and
OUT_DIR/corpus-acpi/seed-* (inputs of tests/fuzz/acpi/fuzz_acpi.c). The input
formats are described at the top of each harness; the seeds are built here
rather than kept as binary files. Only the standard library is used.
"""

import os
import struct
import sys

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

# ---- E820 ------------------------------------------------------------------
USABLE, RESERVED, ACPI_RECLAIM, ACPI_NVS, BAD = 1, 2, 3, 4, 5
VALID = 1  # ACPI 3.0 extended attributes, bit 0 (ignored by the kernel, as by Linux)


def e820_input(entries, capacity=0, exclude=()):
    """capacity 0 is the kernel's 512; exclude: (base, end) pairs."""
    out = bytes([capacity, len(exclude)])
    for base, end in exclude:
        out += struct.pack("<QQ", base, end)
    for entry in entries:
        base, length, kind = entry[:3]
        attributes = entry[3] if len(entry) > 3 else VALID
        out += struct.pack("<QQII", base, length, kind, attributes)
    return out


# QEMU's SeaBIOS map for -m 128M.
QEMU_128M = [
    (0x0, 0x9FC00, USABLE),
    (0x9FC00, 0x400, RESERVED),
    (0xF0000, 0x10000, RESERVED),
    (0x100000, 0x7EE0000, USABLE),
    (0x7FE0000, 0x20000, RESERVED),
    (0xFFFC0000, 0x40000, RESERVED),
]

# QEMU with -m 8G: RAM above 4 GiB and the HyperTransport hole.
QEMU_8G = [
    (0x0, 0x9FC00, USABLE),
    (0x9FC00, 0x400, RESERVED),
    (0xF0000, 0x10000, RESERVED),
    (0x100000, 0xBFEE0000, USABLE),
    (0xBFFE0000, 0x20000, RESERVED),
    (0xFEFFC000, 0x4000, RESERVED),
    (0xFFFC0000, 0x40000, RESERVED),
    (0x100000000, 0x140000000, USABLE),
    (0xFD00000000, 0x300000000, RESERVED),
]

# Bochs' BIOS map for 128 MiB: ACPI tables at the top of RAM.
BOCHS_128M = [
    (0x0, 0x9F000, USABLE),
    (0x9F000, 0x1000, RESERVED),
    (0xE8000, 0x18000, RESERVED),
    (0x100000, 0x7EF0000, USABLE),
    (0x7FF0000, 0x10000, ACPI_RECLAIM),
    (0xFFFC0000, 0x40000, RESERVED),
]

# What a careless BIOS returns: unsorted, overlapping, odd alignment, an
# empty entry, one with the "valid" attribute bit clear, an unknown type and one
# that wraps around.
MESSY = [
    (0x8000000, 0x4000000, USABLE),
    (0x100000, 0x7F00001, USABLE),
    (0x3000800, 0x10, ACPI_NVS),
    (0x4000000, 0x1000000, USABLE),
    (0x5000000, 0, RESERVED),
    (0x6000000, 0x1000, BAD),
    (0x9000000, 0x100000, 12),
    (0xA000000, 0x100000, USABLE, 0),
    (0xFFFFFFFFFFFFC000, 0x10000, USABLE),
]

# The default layout's areas (layout.cfg); all below 2 MiB, like pmm.c's.
LAYOUT_EXCLUDE = [(0x8400, 0x9C00), (0x91000, 0x94000), (0x94000, 0x98000),
                  (0x100000, 0x110000), (0x110000, 0x120000), (0x120000, 0x200000)]


def e820_seeds():
    yield "qemu-128m", e820_input(QEMU_128M)
    yield "qemu-8g", e820_input(QEMU_8G)
    yield "bochs-128m", e820_input(BOCHS_128M)
    yield "messy", e820_input(MESSY)
    yield "qemu-128m-layout", e820_input(QEMU_128M, exclude=LAYOUT_EXCLUDE[:6])
    yield "qemu-8g-holes", e820_input(QEMU_8G, exclude=[(64 * MIB, 64 * MIB + 4096),
                                                         (5 * GIB + 1, 5 * GIB + 2)])
    # A small output, so the "no room" paths run.
    yield "messy-capacity-2", e820_input(MESSY, capacity=2)
    yield "qemu-8g-capacity-1", e820_input(QEMU_8G, capacity=1,
                                           exclude=[(16 * MIB, 32 * MIB)])
    many = [((i + 1) * 4 * MIB, MIB + i * 0x800, USABLE) for i in range(40)]
    yield "many-ranges-capacity-16", e820_input(many, capacity=16)


# ---- ACPI ------------------------------------------------------------------
IMAGE_BASE = 0xE0000  # phys of image offset 0 (tests/fuzz/acpi/fuzz_acpi.c)
FLAG_FIX_CHECKSUMS = 1
FLAG_TORN_READS = 2


def checksum_fixed(data, offset):
    """data with the byte at offset set so that all of data sums to 0."""
    data = bytearray(data)
    data[offset] = 0
    data[offset] = (-sum(data)) & 0xFF
    return bytes(data)


def rsdp(revision, rsdt, xsdt=0):
    v1 = struct.pack("<8sB6sBI", b"RSD PTR ", 0, b"SEEDS ", revision, rsdt)
    v1 = checksum_fixed(v1, 8)
    if revision < 2:
        return v1
    v2 = v1 + struct.pack("<IQB3x", 36, xsdt, 0)
    return checksum_fixed(v2, 32)


def table(signature, body, revision=1):
    length = 36 + len(body)
    header = struct.pack("<4sIBB6s8sIII", signature, length, revision, 0, b"SEEDS ",
                         b"FUZZSEED", 1, 0x5345454E, 1)
    return checksum_fixed(header + body, 9)


def madt(entries, lapic=0xFEE00000, flags=1, revision=4):
    return table(b"APIC", struct.pack("<II", lapic, flags) + b"".join(entries), revision=revision)


def lapic(uid, apic_id, flags=1):
    return struct.pack("<BBBBI", 0, 8, uid, apic_id, flags)


def x2apic(apic_id, flags=1):
    return struct.pack("<BBHIII", 9, 16, 0, apic_id, flags, apic_id)


def ioapic(ioapic_id, address, gsi_base):
    return struct.pack("<BBBBII", 1, 12, ioapic_id, 0, address, gsi_base)


def override(irq, gsi, flags=0):
    return struct.pack("<BBBBIH", 2, 10, 0, irq, gsi, flags)


def nmi_source(gsi):
    return struct.pack("<BBHI", 3, 8, 0, gsi)


def lapic_nmi(uid=0xFF, lint=1):
    return struct.pack("<BBBHB", 4, 6, uid, 0, lint)


def x2apic_nmi(uid=0xFFFFFFFF, lint=1):
    return struct.pack("<BBHIB3x", 10, 12, 0, uid, lint)


def lapic_override(address):
    return struct.pack("<BBHQ", 5, 12, 0, address)


def image(parts, size):
    """A memory image with each (offset, bytes) part in place."""
    data = bytearray(size)
    for offset, part in parts:
        data[offset:offset + len(part)] = part
    return bytes(data)


def acpi_input(flags, parts, size=0x800):
    return bytes([flags]) + image(parts, size)


def at(offset):
    return IMAGE_BASE + offset


def root(signature, addresses):
    fmt = "<Q" if signature == b"XSDT" else "<I"
    return table(signature, b"".join(struct.pack(fmt, a) for a in addresses))


def acpi_seeds():
    qemu_madt = madt([lapic(0, 0), lapic(1, 1), ioapic(0, 0xFEC00000, 0),
                      override(0, 2), override(5, 5, 0xD), override(9, 9, 0xD),
                      override(10, 10, 0xD), override(11, 11, 0xD), lapic_nmi()])
    facp = table(b"FACP", bytes(80))
    hpet = table(b"HPET", bytes(20))
    # Revision 0: RSDP, RSDT, FACP, MADT (QEMU's i440fx with 2 CPUs).
    rev0 = [(0, rsdp(0, at(0x40))), (0x40, root(b"RSDT", [at(0x100), at(0x200)])),
            (0x100, facp), (0x200, qemu_madt)]
    # Revision 2: XSDT with x2APIC entries, plus an RSDT it overrides.
    x2_madt = madt([x2apic(0), x2apic(1), x2apic(0x100), x2apic(0x101, 0),
                    x2apic(0x102, 2), lapic(0, 0xFF, 0), ioapic(0, 0xFEC00000, 0),
                    ioapic(1, 0xFEC01000, 24), override(0, 2), nmi_source(9),
                    x2apic_nmi(), lapic_override(0xFEE00000)], flags=0)
    rev2 = [(0, rsdp(2, at(0x40), at(0x80))), (0x40, root(b"RSDT", [at(0x200)])),
            (0x80, root(b"XSDT", [at(0x100), at(0x180), at(0x200)])),
            (0x100, facp), (0x180, hpet), (0x200, x2_madt)]
    for flags in (0, FLAG_FIX_CHECKSUMS):
        yield "rsdp0-rsdt-madt-flags%d" % flags, acpi_input(flags, rev0)
        yield "rsdp2-xsdt-x2apic-flags%d" % flags, acpi_input(flags, rev2)
    yield "rsdp2-xsdt-torn-reads", acpi_input(FLAG_TORN_READS, rev2)
    # The RSDP elsewhere than offset 0, as the scan finds it in the BIOS area.
    yield "rsdp0-at-0x400", acpi_input(0, [(0x400, rsdp(0, at(0x40)))] + rev0[1:])
    # A MADT at offset 0: the harness parses it on its own too.
    every = madt([lapic(0, 0), lapic(1, 1, 0), lapic(2, 2, 2), x2apic(300), ioapic(4, 0xFEC00000, 0),
                  override(9, 9, 0xD), nmi_source(3), lapic_nmi(), x2apic_nmi(),
                  lapic_override(0x123400000), struct.pack("<BB14x", 6, 16),
                  struct.pack("<BB3x", 0x7F, 5), struct.pack("<BB", 0x80, 2)])
    yield "madt-alone", acpi_input(0, [(0, every)], size=len(every))
    # Real firmware: CPUs listed as local APIC and again as x2APIC entries,
    # a local APIC entry with ID 0xFF, online-capable CPUs (ACPI 6.3, MADT
    # revision 5), and an HPET table, behind an XSDT that lists them.
    dup_madt = madt([x2apic(0), lapic(0, 0), lapic(1, 1), lapic(2, 2, 2), lapic(3, 0xFF),
                     x2apic(1), x2apic(2, 2), x2apic(0x100), x2apic(0x101, 2),
                     ioapic(0, 0xFEC00000, 0)], revision=5)
    hpet_table = table(b"HPET", struct.pack("<IBBBBQBHB", 0x8086A201, 0, 64, 0, 0,
                                            0xFED00000, 0, 0x80, 0))
    firmware = [(0, rsdp(2, 0, at(0x80))),
                (0x80, root(b"XSDT", [at(0x100), at(0x180), at(0x200), at(0x180)])),
                (0x100, facp), (0x180, hpet_table), (0x200, dup_madt)]
    yield "rsdp2-xsdt-madt-duplicates-hpet", acpi_input(0, firmware)
    yield "madt-alone-duplicates", acpi_input(0, [(0, dup_madt)], size=len(dup_madt))
    many = madt([lapic(i, i) for i in range(70)] + [ioapic(i, 0xFEC00000 + i * 0x1000, i * 24)
                                                    for i in range(10)])
    yield "madt-alone-many", acpi_input(0, [(0, many)], size=len(many))


def write(directory, seeds):
    os.makedirs(directory, exist_ok=True)
    for name, data in seeds:
        with open(os.path.join(directory, "seed-" + name), "wb") as handle:
            handle.write(data)


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: seeds.py OUT_DIR\n")
        return 2
    write(os.path.join(argv[1], "corpus-e820"), e820_seeds())
    write(os.path.join(argv[1], "corpus-acpi"), acpi_seeds())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
