#!/usr/bin/env python3
"""Report (and with --check, enforce) how much of its area each boot part uses.

Each of stage1's two sectors must fit the 510 bytes before its signature,
the MBR the 446 bytes before its partition table, stage2 its area
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
MBR_CODE = 440           # what an MBR leaves before its disk signature and partition table


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


def stage1_code_sizes(path):
    """Bytes of each stage1 sector before the zero padding that fills it."""
    with open(path, "rb") as f:
        data = f.read()
    return [len(data[i:i + BOOT_SECTOR_CODE].rstrip(b"\0")) for i in range(0, len(data), 512)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("layout_header")
    parser.add_argument("--stage1", required=True)
    parser.add_argument("--stage2", required=True)
    parser.add_argument("--kernel-bin", required=True)
    parser.add_argument("--kernel-elf", required=True)
    parser.add_argument("--mbr", help="the MBR's code (boot/mbr/mbr.asm assembled)")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when a part outgrows its area")
    args = parser.parse_args()
    layout = read_layout_header(args.layout_header)

    sector0, sector1 = stage1_code_sizes(args.stage1)
    rows = [
        ("stage1", sector0, BOOT_SECTOR_CODE, "boot sector code, before the BPB's volume signature"),
        ("stage1.1", sector1, BOOT_SECTOR_CODE, "stage1's second sector (reserved sector 1)"),
        ("stage2", os.path.getsize(args.stage2),
         layout["LAYOUT_STAGE2_END"] - layout["LAYOUT_STAGE2_ADDR"],
         "stage2 area [0x%X, 0x%X)" % (layout["LAYOUT_STAGE2_ADDR"], layout["LAYOUT_STAGE2_END"])),
        ("kernel", os.path.getsize(args.kernel_bin),
         layout["LAYOUT_KERNEL_AREA_END"] - layout["LAYOUT_KERNEL_LOAD_ADDR"],
         "kernel load area [0x%X, 0x%X)" % (layout["LAYOUT_KERNEL_LOAD_ADDR"], layout["LAYOUT_KERNEL_AREA_END"])),
        ("bss", elf_section_size(args.kernel_elf, ".bss"), layout["LAYOUT_KERNEL_BSS_SIZE"],
         "kernel BSS area at 0x%X" % layout["LAYOUT_KERNEL_BSS_BASE"]),
    ]
    if args.mbr:
        with open(args.mbr, "rb") as f:
            mbr = len(f.read().rstrip(b"\0"))
        rows.insert(0, ("mbr", mbr, MBR_CODE, "MBR code, before the disk signature"))
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
