#!/usr/bin/env python3
"""Turn NASM map files of the flat loader binaries into a symbol file for GDB.

The MBR, stage1 and stage2 are flat binaries without debug information. NASM's map
files list each label's address; this script writes them as absolute
symbols into a NASM source, assembles it to an ELF object, and GDB loads
that with add-symbol-file, so `hbreak *kernel_load` or `x/i $pc` name loader
labels.

Usage: loader_symbols.py OUT.o MAP [MAP...]
"""
import os
import re
import subprocess
import sys
import tempfile

SYMBOL_LINE = re.compile(r"^\s*([0-9A-Fa-f]+)\s+([0-9A-Fa-f]+)\s+([A-Za-z_][\w.@$?]*)\s*$")


def symbols(map_path):
    """(name, address) of every label in a NASM map file."""
    with open(map_path) as f:
        for line in f:
            match = SYMBOL_LINE.match(line)
            if match:
                yield match.group(3), int(match.group(2), 16)


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out, maps = argv[0], argv[1:]
    lines = []
    for map_path in maps:
        prefix = os.path.splitext(os.path.basename(map_path))[0]
        for name, address in symbols(map_path):
            # The stages have labels with the same names (read_sectors, boot_drive): keep
            # each name unique by prefixing the MBR's and stage1's (mbr_fail, stage1_start).
            unique = name if prefix == "stage2" else "%s_%s" % (prefix, name)
            lines.append("global %s\n%s equ 0x%X\n" % (unique, unique, address))
    with tempfile.NamedTemporaryFile("w", suffix=".asm", delete=False) as source:
        source.write("".join(lines))
    try:
        subprocess.run(["nasm", "-f", "elf64", "-o", out, source.name], check=True)
    finally:
        os.remove(source.name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
