#!/usr/bin/env python3
"""Report (and with --check, enforce) how much of its area each boot part uses.

Stage1 must fit the 510 bytes before the boot signature, stage2 its area
[LAYOUT_STAGE2_ADDR, LAYOUT_STAGE2_END), the kernel image its load area and
the kernel BSS its BSS area. The linker script already refuses an oversized
kernel or BSS; this script says the same for the loader stages and prints one
table for `make size`. Values come from the generated C header, so they are
the ones the build used.
"""
import argparse
import os
import re
import struct
import sys

BOOT_SECTOR_CODE = 510   # the last two bytes hold the 0x55AA signature
MBR_CODE = 446           # what an MBR leaves before its partition table


def read_layout_header(path):
    values = {}
    pattern = re.compile(r"^#define (LAYOUT_[A-Z0-9_]+)\s+(0x[0-9A-Fa-f]+)ULL")
    with open(path) as header:
        for line in header:
            match = pattern.match(line)
            if match:
                values[match.group(1)] = int(match.group(2), 16)
    return values


def elf_section_size(path, wanted):
    """Size of the named section of a 64-bit little-endian ELF file, or 0."""
    with open(path, "rb") as f:
        data = f.read()
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)

    def header(index):
        return struct.unpack_from("<IIQQQQIIQQ", data, shoff + index * shentsize)

    names_offset = header(shstrndx)[4]
    for index in range(shnum):
        fields = header(index)
        start = names_offset + fields[0]
        name = data[start:data.index(b"\0", start)].decode()
        if name == wanted:
            return fields[5]
    return 0


def stage1_code_size(path):
    """Bytes of stage1 before the zero padding that fills the sector."""
    with open(path, "rb") as f:
        code = f.read()[:BOOT_SECTOR_CODE]
    return len(code.rstrip(b"\0"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("layout_header")
    parser.add_argument("--stage1", required=True)
    parser.add_argument("--stage2", required=True)
    parser.add_argument("--kernel-bin", required=True)
    parser.add_argument("--kernel-elf", required=True)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when a part outgrows its area")
    args = parser.parse_args()
    layout = read_layout_header(args.layout_header)

    rows = [
        ("stage1", stage1_code_size(args.stage1), BOOT_SECTOR_CODE,
         "boot sector code (%d if it had to be an MBR)" % MBR_CODE),
        ("stage2", os.path.getsize(args.stage2),
         layout["LAYOUT_STAGE2_END"] - layout["LAYOUT_STAGE2_ADDR"],
         "stage2 area [0x%X, 0x%X)" % (layout["LAYOUT_STAGE2_ADDR"], layout["LAYOUT_STAGE2_END"])),
        ("kernel", os.path.getsize(args.kernel_bin),
         layout["LAYOUT_KERNEL_AREA_END"] - layout["LAYOUT_KERNEL_LOAD_ADDR"],
         "kernel load area [0x%X, 0x%X)" % (layout["LAYOUT_KERNEL_LOAD_ADDR"], layout["LAYOUT_KERNEL_AREA_END"])),
        ("bss", elf_section_size(args.kernel_elf, ".bss"), layout["LAYOUT_KERNEL_BSS_SIZE"],
         "kernel BSS area at 0x%X" % layout["LAYOUT_KERNEL_BSS_BASE"]),
    ]
    too_big = [row for row in rows if row[1] > row[2]]
    if args.check:
        for name, used, limit, area in too_big:
            print("error: %s is %d bytes, but its %s holds %d (see layout.cfg)"
                  % (name, used, area, limit), file=sys.stderr)
        return 1 if too_big else 0
    print("%-8s %10s %10s %6s  %s" % ("part", "bytes", "limit", "used", "area"))
    for name, used, limit, area in rows:
        print("%-8s %10d %10d %5.1f%%  %s" % (name, used, limit, 100.0 * used / limit, area))
    return 1 if too_big else 0


if __name__ == "__main__":
    sys.exit(main())
