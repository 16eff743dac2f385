#!/usr/bin/env python3
"""Assemble build/disk.img: the MBR, a gap, then the FAT12 partition.

The MBR code (boot/mbr/mbr.asm, at most 440 bytes, then a zero disk
signature) gets a partition table
with one entry, active, type 0x01 (FAT12), starting at --start (LBA 2048,
1 MiB, where partitioning tools put the first partition) and filling the
partition image; then the boot signature. The sectors between the MBR and
the partition are zero.

The entry's CHS fields follow the usual convention for disks addressed by
LBA (255 heads, 63 sectors per track, 1023/254/63 past their reach); the
loaders never read them, but partitioning tools and some BIOSes look.

Usage: disk_image.py MBR_BIN PARTITION_IMG OUT --start LBA
"""
import argparse
import os
import struct
import sys

SECTOR = 512
MBR_CODE = 440           # the disk signature (6 bytes) follows, then the table
PARTITION_TABLE = 446
ACTIVE = 0x80
TYPE_FAT12 = 0x01
CHS_HEADS, CHS_SECTORS, CHS_LAST_CYLINDER = 255, 63, 1023


def chs(lba):
    """The three CHS bytes of a partition entry for this LBA."""
    cylinder, rest = divmod(lba, CHS_HEADS * CHS_SECTORS)
    head, sector = divmod(rest, CHS_SECTORS)
    if cylinder > CHS_LAST_CYLINDER:
        cylinder, head, sector = CHS_LAST_CYLINDER, CHS_HEADS - 1, CHS_SECTORS - 1
    return bytes([head, ((cylinder >> 8) << 6) | (sector + 1), cylinder & 0xFF])


def partition_entry(start, sectors):
    return (bytes([ACTIVE]) + chs(start) + bytes([TYPE_FAT12]) + chs(start + sectors - 1)
            + struct.pack("<II", start, sectors))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mbr")
    parser.add_argument("partition")
    parser.add_argument("out")
    parser.add_argument("--start", type=int, required=True, help="first sector of the partition")
    args = parser.parse_args(argv)
    with open(args.mbr, "rb") as f:
        code = f.read()
    if len(code) > PARTITION_TABLE or any(code[MBR_CODE:]):
        sys.stderr.write("disk_image.py: %s is %d bytes; an MBR has room for %d bytes of code, then a "
                         "zero disk signature, before its partition table\n" % (args.mbr, len(code), MBR_CODE))
        return 1
    size = os.path.getsize(args.partition)
    if size % SECTOR:
        sys.stderr.write("disk_image.py: %s is not a whole number of sectors\n" % args.partition)
        return 1
    mbr = (code.ljust(PARTITION_TABLE, b"\0") + partition_entry(args.start, size // SECTOR)
           + bytes(3 * 16) + b"\x55\xAA")
    with open(args.out, "wb") as out, open(args.partition, "rb") as partition:
        out.write(mbr)
        out.write(bytes((args.start - 1) * SECTOR))
        while True:
            chunk = partition.read(1 << 20)
            if not chunk:
                break
            out.write(chunk)
    return 0


if __name__ == "__main__":
    sys.exit(main())
