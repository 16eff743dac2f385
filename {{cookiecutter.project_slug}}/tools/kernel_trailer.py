#!/usr/bin/env python3
"""Append the checksum trailer stage2 verifies to a flat kernel image.

Usage: kernel_trailer.py include/bootinfo.h IN.bin OUT.bin
The trailer's magic, size and checksum rule are defined in include/bootinfo.h
(KERNEL_TRAILER_*); this script reads the magic from there.
"""
import re
import struct
import sys


def trailer_magic(header_path):
    with open(header_path) as header:
        match = re.search(r"^#define KERNEL_TRAILER_MAGIC\s+(0x[0-9A-Fa-f]+)", header.read(), re.M)
    if not match:
        raise SystemExit("kernel_trailer: KERNEL_TRAILER_MAGIC not found in " + header_path)
    return int(match.group(1), 16)


def checksum(data):
    """a starts at 1; per byte a += byte, total += a; both modulo 2^32."""
    a, total = 1, 0
    for byte in data:
        a = (a + byte) & 0xFFFFFFFF
        total = (total + a) & 0xFFFFFFFF
    return total


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    header, source, target = argv
    with open(source, "rb") as f:
        image = f.read()
    with open(target, "wb") as f:
        f.write(image + struct.pack("<II", trailer_magic(header), checksum(image)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
