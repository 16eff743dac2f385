#!/usr/bin/env python3
"""Memory-manager benchmark (not a test): `make bench` runs it.

Prints the host cost of the PMM and FBA cores (tools/bench_mm.c, built here
with the host compiler, -O2, no sanitizers), then the QEMU boot time to the
kernel's "ready:" line at two memory sizes, each the median of several
boots through tools/boot.py, and the PMM's own init time from the boot log.
The PMM's init cost depends on the number of E820 ranges, not on RAM, so
the two boot times should match.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import boot  # noqa: E402  (tools/boot.py: the same runner as `make test`)

READY = "ready:"
PMM_INIT = re.compile(r"\[pmm\] init took (\d+) TSC cycles")


def build_host_bench(cc, gen, out):
    command = [cc, "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror",
               "-Iinclude", "-Ikernel", "-I" + gen,
               os.path.join(HERE, "bench_mm.c"), "-o", out]
    subprocess.run(command, check=True)


def boot_once(image, memory, machine, timeout):
    """Seconds from QEMU start to the "ready:" line, and the PMM init cycles."""
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "serial.log")
        args = types.SimpleNamespace(
            qemu="qemu-system-x86_64", machine=machine, memory=memory, cpus=1,
            cpu="qemu64", image=image, extra=[], blkdebug=None, media="floppy", interface="ide",
            geometry=None)
        outcome, _, seconds, stderr = boot.run(
            boot.qemu_command(args, log, os.path.join(tmp, "qemu-debug.log")),
            log, timeout, READY, 0)
        text = boot.read_log(log)
    if READY not in text:
        sys.exit("bench: no ready line at %s MiB (%s) %s" % (memory, outcome, stderr))
    match = PMM_INIT.search(text)
    return seconds, int(match.group(1)) if match else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", default="build/floppy.img")
    parser.add_argument("--gen", default="build/gen")
    parser.add_argument("--cc", default="clang")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--memory", nargs="*", default=["128", "8192"],
                        help="QEMU memory sizes to boot with (none: host figures only)")
    parser.add_argument("--machine", default="pc")
    parser.add_argument("--timeout", type=int, default=60)
    args = parser.parse_args()

    boot.POLL_SECONDS = 0.002  # finer than the test runner needs
    with tempfile.TemporaryDirectory() as tmp:
        program = os.path.join(tmp, "bench_mm")
        build_host_bench(args.cc, args.gen, program)
        print("== host: PMM and FBA cores (median of 7 runs)")
        sys.stdout.flush()
        subprocess.run([program], check=True)

    if not args.memory:
        return
    print("== QEMU (%s): boot to %r, median of %d boots" % (args.machine, READY, args.runs))
    for memory in args.memory:
        results = [boot_once(args.image, memory, args.machine, args.timeout)
                   for _ in range(args.runs)]
        seconds = statistics.median(r[0] for r in results)
        cycles = [r[1] for r in results if r[1] is not None]
        pmm = " , pmm init %d TSC cycles" % statistics.median(cycles) if cycles else ""
        print("%6s MiB: %.3f s%s" % (memory, seconds, pmm))


if __name__ == "__main__":
    main()
