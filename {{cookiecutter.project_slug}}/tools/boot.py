#!/usr/bin/env python3
"""Boot an image in QEMU or Bochs, headless, and judge the run.

--media says what the image is: a floppy (any standard size), a hard disk
(in QEMU on the IDE, AHCI, virtio-blk or USB interface) or a CD.

The serial log (COM1) is the record: it is printed when the run ends. A run
passes when the log has the kernel's "ready:" line and a test-mode kernel's
"test: PASS" line, and (QEMU) the isa-debug-exit status says pass. A wall
clock limit turns a hang into a failure. With --expect TEXT the run passes
instead when TEXT shows up in the log (for tests of failure messages), and
the emulator is stopped as soon as it does; with --halts as well, the
machine must then stay up (halted, not reset or exited) for a second.

With --uefi, QEMU starts Debian's OVMF firmware instead of the BIOS and
the image is a hard disk (--bus ide or usb) whose FAT volume holds
EFI/BOOT/BOOTX64.EFI; use --machine q35.

Examples:
  tools/boot.py qemu --image build/test/floppy.img --memory 512 --cpus 2
  tools/boot.py bochs --image build/test/floppy.img --bochsrc build/test/gen/bochsrc --cpus 4
  tools/boot.py qemu --uefi --machine q35 --bus usb --image build/test/disk.img
  tools/boot.py bochs --image build/test/floppy.img --bochsrc build/test/gen/bochsrc
  tools/boot.py qemu --image build/test/floppy.img -- -no-acpi   (more QEMU options)
  tools/boot.py qemu --media disk --interface usb --image build/test/disk.img
  tools/boot.py bochs --media cdrom --image build/test/cdrom.iso --bochsrc build/test/gen/bochsrc
"""
import argparse
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

QEMU_EXIT_PASS = (0x10 << 1) | 1   # the kernel writes 0x10 to port 0xF4
QEMU_EXIT_FAIL = (0x11 << 1) | 1
POLL_SECONDS = 0.05
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"


def memory_mib(text):
    """'128', '128M', '4G' -> MiB."""
    match = re.fullmatch(r"(\d+)([MG]?)", text.strip().upper())
    if not match:
        raise argparse.ArgumentTypeError("memory must look like 128, 512M or 4G")
    return int(match.group(1)) * (1024 if match.group(2) == "G" else 1)


def drive_file(args):
    """The image, wrapped in QEMU's blkdebug driver when --blkdebug is given."""
    if args.blkdebug:
        return "blkdebug:%s:%s" % (os.path.abspath(args.blkdebug), os.path.abspath(args.image))
    return args.image


# Bochs names floppy types by size.
BOCHS_FLOPPY_TYPES = {368640: "360k", 737280: "720k", 1228800: "1_2", 1474560: "1_44", 2949120: "2_88"}
BOCHS_MEDIA_KEYS = ("floppya", "floppyb", "ata0-master", "ata0-slave", "ata1-master", "ata1-slave",
                    "boot", "floppy_bootsig_check")


def geometry(text):
    """'C/H/S' -> (cylinders, heads, sectors per track)."""
    match = re.fullmatch(r"(\d+)/(\d+)/(\d+)", text)
    if not match:
        raise argparse.ArgumentTypeError("geometry must look like 130/16/63 (cylinders/heads/sectors)")
    return tuple(int(n) for n in match.groups())


def qemu_media(args):
    """The QEMU options that attach the image as --media on --interface."""
    if args.media == "floppy":
        return ["-drive", "file=%s,format=raw,if=floppy" % drive_file(args), "-boot", "a"]
    if args.media == "cdrom":
        return ["-drive", "file=%s,format=raw,if=ide,media=cdrom" % drive_file(args), "-boot", "d"]
    drive = "file=%s,format=raw,if=none,id=bootdisk" % drive_file(args)
    chs = ""
    if args.geometry:
        chs = ",cyls=%d,heads=%d,secs=%d" % args.geometry
    if args.interface == "ide":          # the pc machine's PIIX IDE; AHCI port 0 on q35
        device = ["-device", "ide-hd,drive=bootdisk,bus=ide.0" + chs]
    elif args.interface == "ahci":       # an AHCI controller of its own
        device = ["-device", "ahci,id=ahci", "-device", "ide-hd,drive=bootdisk,bus=ahci.0" + chs]
    elif args.interface == "virtio":
        device = ["-device", "virtio-blk-pci,drive=bootdisk,bootindex=0"]
    else:                                # a USB stick on an xHCI controller
        device = ["-device", "qemu-xhci,id=xhci",
                  "-device", "usb-storage,bus=xhci.0,drive=bootdisk,bootindex=0"]
    return ["-drive", drive] + device + (["-boot", "c"] if args.interface in ("ide", "ahci") else [])


def bochs_media(args):
    """The Bochs config lines that attach the image as --media and boot it."""
    image = os.path.abspath(args.image)
    if args.media == "floppy":
        kind = BOCHS_FLOPPY_TYPES.get(os.path.getsize(args.image), "1_44")
        return ["floppya: %s=%s, status=inserted" % (kind, image), "boot: floppy",
                "floppy_bootsig_check: disabled=0"]
    if args.media == "cdrom":
        return ["ata0-master: type=cdrom, path=%s, status=inserted" % image, "boot: cdrom"]
    chs = ", cylinders=%d, heads=%d, spt=%d" % args.geometry if args.geometry else ""
    return ["ata0-master: type=disk, path=%s, mode=flat%s" % (image, chs), "boot: disk"]


def uefi_arguments(args, workdir):
    """OVMF: its code read-only, a fresh copy of its variable store for this
    run (the firmware writes boot entries there); the image as a hard disk."""
    variables = os.path.join(workdir, "OVMF_VARS.fd")
    shutil.copyfile(args.ovmf_vars, variables)
    firmware = [
        "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=%s" % args.ovmf_code,
        "-drive", "if=pflash,format=raw,unit=1,file=%s" % variables,
    ]
    if args.bus == "usb":
        disk = ["-device", "qemu-xhci", "-drive",
                "if=none,id=stick,format=raw,file=%s" % drive_file(args),
                "-device", "usb-storage,drive=stick"]
    else:
        disk = ["-drive", "file=%s,format=raw,if=ide" % drive_file(args)]
    return firmware + disk


def qemu_command(args, log, debug_log, workdir=None):
    """The QEMU command line; with args.uefi, workdir gets the firmware's
    variable store."""
    # -no-reboot turns a reset into an exit, and -d cpu_reset records why
    # (QEMU logs "Triple fault"), so a triple fault can never pass as a reboot.
    if getattr(args, "uefi", False):
        boot = uefi_arguments(args, workdir)
    else:
        boot = qemu_media(args)
    return [
        args.qemu, "-machine", args.machine, "-m", str(args.memory),
        "-smp", str(args.cpus or 1), "-cpu", args.cpu,
    ] + boot + [
        "-display", "none", "-serial", "file:%s" % log, "-net", "none",
        "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
        "-d", "cpu_reset", "-D", debug_log,
    ] + args.extra


def bochs_command(args, log, workdir):
    """A private copy of the project's bochsrc with this run's settings."""
    with open(args.bochsrc) as f:
        lines = f.read().splitlines()
    replaced = []
    for line in lines:
        key = line.split(":", 1)[0].strip()
        if key in BOCHS_MEDIA_KEYS:
            continue
        if key in ("megs", "memory"):
            # Bochs backs at most 2048 MiB of guest RAM with host memory.
            line = ("megs: %d" % args.memory if args.memory <= 2048 else
                    "memory: guest=%d, host=2048" % args.memory)
        elif key == "com1":
            line = "com1: enabled=1, mode=file, dev=%s" % log
        elif key == "cpu" and args.cpus is not None:
            line = re.sub(r"count=\d+", "count=%d" % args.cpus, line)
        replaced.append(line)
    replaced += bochs_media(args)
    rc = os.path.join(workdir, "bochsrc")
    with open(rc, "w") as f:
        f.write("\n".join(replaced) + "\n")
    cont = os.path.join(workdir, "continue")
    with open(cont, "w") as f:
        f.write("c\n")
    # Debian's Bochs stops at its debugger prompt first ("c" continues) and
    # its term display needs a terminal, which script(1) provides. A disk
    # image keeps Bochs's lock file when a run is stopped (--expect): -unlock.
    inner = " ".join(shlex.quote(part) for part in [args.bochs, "-q", "-unlock", "-f", rc, "-rc", cont])
    return ["script", "-qec", inner, "/dev/null"]


def read_log(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("ascii", "replace").replace("\r", "")
    except FileNotFoundError:
        return ""


def descendants(pid):
    """Every process started under pid, children before grandchildren.

    script(1) runs Bochs in a session of its own, out of reach of killpg on
    script's group: stopping a run means killing each of these by its pid."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(0), []):
            found.append(child)
            todo.append(child)
    return found


def stop(process):
    """Kill a run that is still going: its process group and every process under it."""
    for pid in descendants(process.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run(command, log, timeout, expect, linger):
    """Run until exit, timeout or (with expect) the text appears and the
    machine has stayed up for `linger` more seconds."""
    start = time.monotonic()
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    outcome = None
    seen_at = None
    while outcome is None:
        now = time.monotonic()
        if process.poll() is not None:
            outcome = "exited"
        elif seen_at is None and expect and expect in read_log(log):
            seen_at = now
        elif seen_at is not None and now - seen_at >= linger:
            outcome = "expected text seen"
        elif now - start > timeout:
            outcome = "timed out after %d s" % timeout
        else:
            time.sleep(POLL_SECONDS)
    if process.poll() is None:
        stop(process)
    process.wait()
    stderr = process.stderr.read().decode("utf-8", "replace")
    return outcome, process.returncode, time.monotonic() - start, stderr


def verdict(args, outcome, status, log_text, triple_fault):
    """(passed, reason)."""
    if triple_fault:
        return False, "the guest triple-faulted (QEMU -d cpu_reset logged it)"
    if args.expect:
        if args.expect not in log_text:
            return False, "%r not in the serial log (%s)" % (args.expect, outcome)
        if args.halts and outcome != "expected text seen":
            return False, "found %r, but the machine did not stay halted (%s)" % (
                args.expect, outcome)
        if args.halts and log_text.count(args.expect) != 1:
            return False, "%r appears %d times: a reboot loop?" % (
                args.expect, log_text.count(args.expect))
        return True, "found %r" % args.expect
    if outcome != "exited":
        return False, outcome
    if "ready:" not in log_text:
        return False, "no 'ready:' line in the serial log"
    if "test: FAIL" in log_text:
        return False, "the kernel reported 'test: FAIL'"
    if "test: PASS" not in log_text:
        return False, "no 'test: PASS' line (was the image built with KERNEL_TEST=1?)"
    if args.emulator == "qemu" and status == 0:
        return False, "QEMU exited with status 0: the guest reset or powered off"
    if args.emulator == "qemu" and status != QEMU_EXIT_PASS:
        return False, "QEMU exit status %d, expected %d" % (status, QEMU_EXIT_PASS)
    return True, "ready and passed"


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("emulator", choices=["qemu", "bochs"])
    parser.add_argument("--image", required=True)
    parser.add_argument("--media", choices=["floppy", "disk", "cdrom"], default="floppy",
                        help="what the image is booted as")
    parser.add_argument("--interface", choices=["ide", "ahci", "virtio", "usb"], default="ide",
                        help="QEMU: how the hard disk is attached (ide is AHCI on q35)")
    parser.add_argument("--geometry", type=geometry, metavar="C/H/S",
                        help="the disk's geometry as the emulator reports it (QEMU ide/ahci, Bochs)")
    parser.add_argument("--memory", type=memory_mib, default=128, help="MiB, or 4G")
    parser.add_argument("--cpus", type=int, default=None,
                        help="CPUs (QEMU: default 1; Bochs: default the bochsrc's)")
    parser.add_argument("--machine", default="pc", help="QEMU machine: pc or q35")
    parser.add_argument("--cpu", default="qemu64", help="QEMU CPU model")
    parser.add_argument("--bochsrc", help="Bochs config to start from")
    parser.add_argument("--blkdebug", metavar="CONF",
                        help="QEMU: inject disk errors with this blkdebug config")
    parser.add_argument("--uefi", action="store_true",
                        help="QEMU: boot through OVMF (UEFI) from a hard-disk image")
    parser.add_argument("--bus", choices=["ide", "usb"], default="ide",
                        help="with --uefi: attach the image to IDE/SATA or to USB (xHCI)")
    parser.add_argument("--ovmf-code", default=OVMF_CODE)
    parser.add_argument("--ovmf-vars", default=OVMF_VARS)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--expect", help="pass when this text appears in the log")
    parser.add_argument("--halts", action="store_true",
                        help="with --expect: also require that the machine stays halted "
                             "(no exit, no reset) for --linger seconds after the text")
    parser.add_argument("--linger", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument("--log", help="keep the serial log in this file")
    parser.add_argument("--qemu-log", help="QEMU: keep its debug log (-D: resets, -trace events) in this file")
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument("--bochs", default="bochs")
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    args = parser.parse_args(argv)
    args.extra = extra
    if args.emulator == "bochs" and not args.bochsrc:
        parser.error("bochs needs --bochsrc")
    if args.uefi and args.emulator != "qemu":
        parser.error("--uefi is for qemu")

    with tempfile.TemporaryDirectory(prefix="boot-") as workdir:
        log = os.path.abspath(args.log) if args.log else os.path.join(workdir, "serial.log")
        if os.path.exists(log):
            os.remove(log)
        debug_log = os.path.abspath(args.qemu_log) if args.qemu_log else os.path.join(workdir, "qemu-debug.log")
        if os.path.exists(debug_log):
            os.remove(debug_log)
        if args.emulator == "qemu":
            command = qemu_command(args, log, debug_log, workdir)
        else:
            command = bochs_command(args, log, workdir)
        linger = args.linger if args.halts else 0
        outcome, status, seconds, stderr = run(command, log, args.timeout, args.expect, linger)
        log_text = read_log(log)
        triple_fault = "Triple fault" in read_log(debug_log)

    sys.stdout.write(log_text)
    if log_text and not log_text.endswith("\n"):
        sys.stdout.write("\n")
    passed, reason = verdict(args, outcome, status, log_text, triple_fault)
    if not passed and stderr.strip():
        sys.stdout.write("--- emulator stderr ---\n%s\n" % stderr.strip()[-2000:])
    print("boot: %s %s in %.2f s: %s" % (args.emulator, "PASS" if passed else "FAIL",
                                         seconds, reason))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
