#!/usr/bin/env python3
"""Benchmark the template: boot time, its floor, memory scaling, build time.

Prints a Markdown table (paste it into README.md with the date and machine).
Not a test: it asserts nothing, it measures.

  * time from emulator start to the kernel's "ready:" line, default project
    as `make` and `make iso` build it, QEMU and Bochs, from the floppy, the
    hard disk (build/disk.img on IDE / ATA) and the CD (build/cdrom.iso),
    median of N runs, and from the hard disk to the kernel's first line
    (the loader's share);
  * the same for a bare boot sector that prints "ready" and nothing else,
    booted from the same kind of medium on the same emulator, in turns
    with the project's image run by run: the floor no loader can beat;
  * QEMU boot time with 128 MiB and with 8 GiB of RAM;
  * SMP: the time from the first INIT to the last CPU online with 8 CPUs
    (the kernel's own figure, by its TSC), and boot to "ready" with 8 CPUs
    against 1 CPU, measured alternately in the same run (targets: 20 ms and
    1.2 times);
  * under UEFI (QEMU q35 with Debian's OVMF, the disk on SATA): time to the
    kernel's "ready:" line through EFI/BOOT/BOOTX64.EFI, against a minimal
    UEFI application that prints one line and returns, put on a copy of the
    same disk in its place: OVMF's own start-up is the floor here;
  * time to generate a fresh project and build it (make -j2);
  * the loader's and kernel's sizes against their areas (`make size`) and
    the PMM's and FBA's cost on the host (the project's tools/bench_mm.py).

Usage: /usr/bin/python3 tools/bench.py [--runs 10]
"""
import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TEMPLATE = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
# The generated project's boot runner knows how to stop an emulator run
# (Bochs under script(1) sits in a session of its own): use its stop().
sys.path.insert(0, os.path.join(TEMPLATE, "{{cookiecutter.project_slug}}", "tools"))
from boot import stop  # noqa: E402
FLOPPY_BYTES = 1474560
POLL_SECONDS = 0.002

# A boot sector that prints "ready" to COM1 and asks the emulator to exit
# (QEMU isa-debug-exit, then Bochs port 0x8900): the cheapest possible boot.
BARE_BOOT_SECTOR = r"""
        bits 16
        org 0x7C00
        cli
        xor ax, ax
        mov ds, ax
        mov dx, 0x3FB               ; COM1 line control: 8N1 (Bochs resets to 5 bits)
        mov al, 0x03
        out dx, al
        mov si, text
.next:  lodsb
        test al, al
        jz .done
        mov ah, al
        mov dx, 0x3FD
.wait:  in al, dx
        test al, 0x20
        jz .wait
        mov al, ah
        mov dx, 0x3F8
        out dx, al
        jmp .next
.done:  mov dx, 0x3FD
.idle:  in al, dx
        test al, 0x40
        jz .idle
        mov al, 0x10
        out 0xF4, al
        mov si, shutdown
        mov dx, 0x8900
.bochs: lodsb
        test al, al
        jz .halt
        out dx, al
        jmp .bochs
.halt:  hlt
        jmp .halt
text:     db "ready", 13, 10, 0
shutdown: db "Shutdown", 0
        times 510 - ($ - $$) db 0
        dw 0xAA55
"""


# The floor under UEFI: an application that prints "ready" on the firmware
# console (which OVMF mirrors to COM1) and returns. Its own three
# declarations keep it independent of the project's boot/uefi/efi.h.
MINIMAL_UEFI_APP = r"""
struct text_output {
  void *reset;
  unsigned long long (*output_string)(struct text_output *self, const unsigned short *text);
};
struct system_table {
  char header[24];
  void *firmware_vendor;
  unsigned firmware_revision;
  void *console_in_handle, *console_in, *console_out_handle;
  struct text_output *console_out;
};
unsigned long long efi_main(void *image, struct system_table *system) {
  (void)image;
  system->console_out->output_string(system->console_out, u"ready\r\n");
  return 0;
}
"""
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"


def run_until_ready(command, log, marker=b"ready"):
    """Seconds from start until `marker` shows up in the serial log."""
    if os.path.exists(log):
        os.remove(log)
    start = time.monotonic()
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    elapsed = None
    try:
        while time.monotonic() - start < 120:
            try:
                with open(log, "rb") as f:
                    if marker in f.read():
                        elapsed = time.monotonic() - start
                        break
            except FileNotFoundError:
                pass
            if process.poll() is not None and elapsed is None:
                # One last look: the log may have been completed at exit.
                with open(log, "rb") as f:
                    if marker in f.read():
                        elapsed = time.monotonic() - start
                break
            time.sleep(POLL_SECONDS)
    finally:
        if process.poll() is None:
            stop(process)
        process.wait()
    if elapsed is None:
        raise RuntimeError("no %r from: %s" % (marker, " ".join(command)))
    return elapsed


QEMU_MEDIA = {
    "floppy": lambda image: ["-drive", "file=%s,format=raw,if=floppy" % image, "-boot", "a"],
    "disk": lambda image: ["-drive", "file=%s,format=raw,if=ide" % image, "-boot", "c"],
    "cdrom": lambda image: ["-drive", "file=%s,format=raw,if=ide,media=cdrom" % image, "-boot", "d"],
}
BOCHS_MEDIA = {
    "floppy": lambda image: ["floppya: 1_44=%s, status=inserted" % image, "boot: floppy"],
    "disk": lambda image: ["ata0-master: type=disk, path=%s, mode=flat" % image, "boot: disk"],
    "cdrom": lambda image: ["ata0-master: type=cdrom, path=%s, status=inserted" % image, "boot: cdrom"],
}


def qemu_command(image, log, memory_mib=128, media="floppy", cpus=1):
    return ["qemu-system-x86_64", "-machine", "pc", "-m", str(memory_mib), "-smp", str(cpus)] + \
        QEMU_MEDIA[media](image) + [
            "-display", "none", "-serial", "file:" + log, "-net", "none", "-no-reboot",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]


def bochs_command(image, log, workdir, bochsrc_template, media="floppy"):
    with open(bochsrc_template) as f:
        lines = f.read().splitlines()
    rc = os.path.join(workdir, "bench-bochsrc")
    with open(rc, "w") as f:
        for line in lines:
            key = line.split(":", 1)[0].strip()
            if key in ("floppya", "boot", "floppy_bootsig_check"):
                continue
            if key == "com1":
                line = "com1: enabled=1, mode=file, dev=%s" % log
            f.write(line + "\n")
        f.write("\n".join(BOCHS_MEDIA[media](image)) + "\n")
    cont = os.path.join(workdir, "continue")
    with open(cont, "w") as f:
        f.write("c\n")
    # -unlock: a disk image keeps Bochs's lock file when a run is killed.
    return ["script", "-qec", "bochs -q -unlock -f %s -rc %s" % (rc, cont), "/dev/null"]


SMP_ONLINE = re.compile(rb"\[smp\] (\d+) of (\d+) CPUs online, the last (\d+) us after the first INIT")
KERNEL_BOOT = re.compile(rb"\[boot\] start-up took (\d+) us from kmain")


def kernel_boot_ms(log):
    """The kernel's own boot time, as it logs it (its TSC, kmain to ready)."""
    with open(log, "rb") as f:
        return int(KERNEL_BOOT.search(f.read()).group(1)) / 1000


def smp_figures(runs, kernel, log, cpus=8):
    """Medians of: ms from the first INIT to the last CPU online; boot
    seconds with `cpus` CPUs and with 1 CPU, alternating the two; the
    kernel's own ms from kmain to ready with `cpus` CPUs and with 1."""
    online_ms, many, one, kernel_many, kernel_one = [], [], [], [], []
    for _ in range(runs):
        many.append(run_until_ready(qemu_command(kernel, log, cpus=cpus), log))
        with open(log, "rb") as f:
            match = SMP_ONLINE.search(f.read())
        if not match or match.group(1) != match.group(2):
            raise RuntimeError("not every CPU came online: %r" % (match and match.group(0)))
        online_ms.append(int(match.group(3)) / 1000)
        kernel_many.append(kernel_boot_ms(log))
        one.append(run_until_ready(qemu_command(kernel, log, cpus=1), log))
        kernel_one.append(kernel_boot_ms(log))
    return tuple(statistics.median(x) for x in (online_ms, many, one, kernel_many, kernel_one))


def cpu_floor(runs, bare, log, cpus=8):
    """(median, median) boot seconds of the bare boot sector with `cpus` and
    1 CPUs, alternating: what QEMU and its BIOS themselves spend on more CPUs."""
    many, one = [], []
    for _ in range(runs):
        many.append(run_until_ready(qemu_command(bare, log, cpus=cpus), log))
        one.append(run_until_ready(qemu_command(bare, log, cpus=1), log))
    return statistics.median(many), statistics.median(one)


def ovmf_command(image, log, workdir, memory_mib=128):
    """QEMU q35 with OVMF (a fresh copy of its variable store), the image on SATA."""
    variables = os.path.join(workdir, "OVMF_VARS.fd")
    shutil.copyfile(OVMF_VARS, variables)
    return ["qemu-system-x86_64", "-machine", "q35", "-m", str(memory_mib),
            "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + OVMF_CODE,
            "-drive", "if=pflash,format=raw,unit=1,file=" + variables,
            "-drive", "file=%s,format=raw,if=ide" % image,
            "-display", "none", "-serial", "file:" + log, "-net", "none", "-no-reboot",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]


def minimal_uefi_image(workdir, uefi_image):
    """A copy of the project's UEFI disk with the minimal app as BOOTX64.EFI."""
    source = os.path.join(workdir, "minimal.c")
    with open(source, "w") as f:
        f.write(MINIMAL_UEFI_APP)
    obj, app = os.path.join(workdir, "minimal.obj"), os.path.join(workdir, "minimal.efi")
    subprocess.run(["clang", "--target=x86_64-unknown-windows", "-ffreestanding", "-fshort-wchar",
                    "-mno-red-zone", "-O2", "-c", "-o", obj, source], check=True)
    subprocess.run(["lld-link", "-subsystem:efi_application", "-entry:efi_main", "-nodefaultlib",
                    "-out:" + app, obj], check=True, stdout=subprocess.DEVNULL)
    image = os.path.join(workdir, "minimal-uefi.img")
    shutil.copyfile(uefi_image, image)
    subprocess.run(["mcopy", "-o", "-i", image + "@@1M", app, "::EFI/BOOT/BOOTX64.EFI"], check=True,
                   env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    return image


def median_of(runs, measure):
    return statistics.median(measure() for _ in range(runs))


def alternate_medians(runs, measure_a, measure_b):
    """Medians of two measurements taken in turns."""
    a, b = [], []
    for _ in range(runs):
        a.append(measure_a())
        b.append(measure_b())
    return statistics.median(a), statistics.median(b)


def bare_images(workdir, disk_bytes):
    """The bare boot sector as a floppy, as the first sector of a disk the
    size of build/disk.img, and as the boot image of a CD (floppy emulation)."""
    source = os.path.join(workdir, "bare.asm")
    with open(source, "w") as f:
        f.write(BARE_BOOT_SECTOR)
    images = {}
    for media, size in (("floppy", FLOPPY_BYTES), ("disk", disk_bytes)):
        images[media] = os.path.join(workdir, "bare-%s.img" % media)
        subprocess.run(["nasm", "-f", "bin", "-o", images[media], source], check=True)
        with open(images[media], "r+b") as f:
            f.truncate(size)
    iso_dir = os.path.join(workdir, "bare-iso")
    os.mkdir(iso_dir)
    shutil.copy(images["floppy"], os.path.join(iso_dir, "floppy.img"))
    images["cdrom"] = os.path.join(workdir, "bare.iso")
    subprocess.run(["xorriso", "-as", "mkisofs", "-quiet", "-b", "floppy.img", "-c", "boot.catalog",
                    "-o", images["cdrom"], iso_dir], check=True, stderr=subprocess.DEVNULL)
    return images


def generate_and_build(workdir):
    """Seconds for cookiecutter plus a full make -j2 of the default project."""
    out = os.path.join(workdir, "gen-%d" % time.monotonic_ns())
    start = time.monotonic()
    subprocess.run(["cookiecutter", "--no-input", "-o", out, TEMPLATE], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["make", "-j2", "-C", os.path.join(out, "my_kernel")], check=True,
                   stdout=subprocess.DEVNULL)
    elapsed = time.monotonic() - start
    shutil.rmtree(out)
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    runs = args.runs

    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        subprocess.run(["cookiecutter", "--no-input", "-o", workdir, TEMPLATE], check=True,
                       stdout=subprocess.DEVNULL)
        project = os.path.join(workdir, "my_kernel")
        # The images a user boots (make, make iso): the normal kernel, which
        # leaves out the self-tests.
        subprocess.run(["make", "-j2", "-C", project, "all", "iso"], check=True,
                       stdout=subprocess.DEVNULL)
        build = os.path.join(project, "build")
        images = {"floppy": os.path.join(build, "floppy.img"),
                  "disk": os.path.join(build, "disk.img"),
                  "cdrom": os.path.join(build, "cdrom.iso")}
        kernel = images["floppy"]
        bochsrc = os.path.join(build, "gen", "bochsrc")
        bare = bare_images(workdir, os.path.getsize(images["disk"]))
        log = os.path.join(workdir, "serial.log")

        rows = []
        for media, medium in (("floppy", "floppy"), ("disk", "hard disk (IDE)"), ("cdrom", "CD")):
            for name, command in (("QEMU", lambda img: qemu_command(img, log, media=media)),
                                  ("Bochs", lambda img: bochs_command(img, log, workdir, bochsrc, media))):
                # Alternated run by run: the host's load moves the floor by
                # 20 ms between blocks of runs.
                floor, ours = alternate_medians(
                    runs, lambda: run_until_ready(command(bare[media]), log),
                    lambda: run_until_ready(command(images[media]), log))
                rows.append(("%s, %s: boot to `ready`" % (name, medium), ours, floor))
        # The loader's whole share of the disk boot: the MBR, stage1 and
        # stage2 (FAT, STAGE2.BIN, KERNEL.BIN and E820 by BIOS calls, long
        # mode) end where the kernel prints its first line.
        floor, loader = alternate_medians(
            runs, lambda: run_until_ready(qemu_command(bare["disk"], log, media="disk"), log),
            lambda: run_until_ready(qemu_command(images["disk"], log, media="disk"), log,
                                    marker=b"kernel started"))
        rows.append(("QEMU, hard disk (IDE): boot to the kernel's first line (the loader's share)",
                     loader, floor))
        # After the LAPIC line the kernel waits on purpose (about 9 ms at
        # 1000 Hz): three 0.5 ms calibration runs against the HPET (or PIT),
        # then five timer periods counting ticks. This row stops the clock
        # before.
        before_waits = median_of(runs, lambda: run_until_ready(
            qemu_command(kernel, log), log, marker=b"[lapic] id"))
        rows.append(("QEMU, floppy: boot to the timer calibration (before the deliberate waits)",
                     before_waits, rows[0][2]))
        uefi_image = images["disk"]  # BOOTX64.EFI is on its FAT partition too
        minimal = minimal_uefi_image(workdir, uefi_image)
        # Alternated, run by run: an OVMF boot takes seconds, long enough for
        # the host's load to change between two blocks of runs.
        uefi_floor, uefi_ours = alternate_medians(
            runs, lambda: run_until_ready(ovmf_command(minimal, log, workdir), log),
            lambda: run_until_ready(ovmf_command(uefi_image, log, workdir), log,
                                    marker=b"\nready:"))
        rows.append(("QEMU + OVMF (q35): boot to `ready` through BOOTX64.EFI; floor: a minimal "
                     "UEFI app printing one line, same disk", uefi_ours, uefi_floor))
        small = median_of(runs, lambda: run_until_ready(qemu_command(kernel, log, 128), log))
        large = median_of(runs, lambda: run_until_ready(qemu_command(kernel, log, 8192), log))
        online_ms, eight, single, kernel_eight, kernel_single = smp_figures(runs, kernel, log)
        bare_eight, bare_single = cpu_floor(runs, bare["floppy"], log)
        build_runs = max(3, runs // 3)
        build = median_of(build_runs, lambda: generate_and_build(workdir))
        sizes = subprocess.run(["make", "-s", "-C", project, "size"], check=True,
                               stdout=subprocess.PIPE, universal_newlines=True).stdout
        allocators = subprocess.run(
            ["python3", "tools/bench_mm.py", "--gen", "build/gen", "--memory"], cwd=project,
            check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout

    print("Measured %s on %s (%d cores), median of %d runs (%d for the build)."
          % (time.strftime("%Y-%m-%d"), platform.node() or "this machine", os.cpu_count(),
             runs, build_runs))
    print()
    print("| what | time | floor (bare boot sector) | ratio |")
    print("|---|---|---|---|")
    for name, ours, floor in rows:
        print("| %s | %.3f s | %.3f s | %.2f |" % (name, ours, floor, ours / floor))
    print("| QEMU: boot to `ready`, 128 MiB | %.3f s | | |" % small)
    print("| QEMU: boot to `ready`, 8 GiB | %.3f s | | %.2f vs 128 MiB |" % (large, large / small))
    print("| QEMU: first INIT to the last of 8 CPUs online (kernel's TSC; target 20 ms) | %.1f ms | | |"
          % online_ms)
    print("| QEMU: boot to `ready`, 8 CPUs vs 1 CPU, alternating (target 1.2) | %.3f s | %.3f s (1 CPU) | %.2f |"
          % (eight, single, eight / single))
    print("| QEMU: bare boot sector, 8 CPUs vs 1 CPU (the emulator's and BIOS's own share) | %.3f s | %.3f s (1 CPU) | %.2f |"
          % (bare_eight, bare_single, bare_eight / bare_single))
    print("| QEMU: the kernel's own boot (kmain to `ready`, its TSC), 8 CPUs vs 1 CPU | %.1f ms | %.1f ms (1 CPU) | %.2f |"
          % (kernel_eight, kernel_single, kernel_eight / kernel_single))
    print("| generate + build (make -j2) | %.3f s | | |" % build)
    print()
    print("Sizes of the default project (`make size`):")
    print()
    print("```")
    print(sizes.rstrip())
    print("```")
    print()
    print("Memory managers on the host (the project's `make bench`, without its boots):")
    print()
    print("```")
    print(allocators.rstrip())
    print("```")
    return 0


if __name__ == "__main__":
    sys.exit(main())
