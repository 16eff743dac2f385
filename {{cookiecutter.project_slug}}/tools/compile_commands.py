#!/usr/bin/env python3
"""Write compile_commands.json for clangd from the Makefile's own flags.

Usage: compile_commands.py OUT CC "FLAGS" SOURCE... [-- CC "FLAGS" SOURCE...]
Each group after a "--" is another compiler and flag set (kernel, host tests).
"""
import json
import os
import shlex
import sys


def entries(directory, compiler, flags, sources):
    for source in sources:
        yield {
            "directory": directory,
            "file": os.path.join(directory, source),
            "arguments": [compiler] + shlex.split(flags) + ["-c", source],
        }


def main(argv):
    out, rest = argv[0], argv[1:]
    directory = os.getcwd()
    groups, group = [], []
    for arg in rest:
        if arg == "--":
            groups.append(group)
            group = []
        else:
            group.append(arg)
    groups.append(group)
    database = []
    for group in groups:
        if len(group) >= 2:
            database.extend(entries(directory, group[0], group[1], group[2:]))
    with open(out, "w") as f:
        json.dump(database, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
