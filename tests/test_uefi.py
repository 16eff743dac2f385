"""The same kernel boots through UEFI: OVMF runs EFI/BOOT/BOOTX64.EFI from the
FAT partition, which loads KERNEL.BIN and hands over the boot information.

Each boot uses QEMU's q35 machine with Debian's OVMF (tools/boot.py --uefi:
the firmware code read-only, a fresh copy of its variable store per run).
A loader that fails says why in one line and returns to the firmware, whose
boot manager then reports the boot option's "Load Error" and goes on.
"""
import os
import re
import subprocess

import pytest

from conftest import MTOOLS_ENV, bake, boot, image_copy, make, ready_values

pytestmark = pytest.mark.slow

UEFI_IMAGE = "build/test/disk.img"  # the hard-disk image: MBR, FAT partition at LBA 2048
RETURNED = "Load Error"  # OVMF: BdsDxe: failed to start Boot000N ...: Load Error


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A default project with its UEFI test image built."""
    path = bake(tmp_path_factory.mktemp("uefi"))
    make(path, "test-image-uefi")
    return path


def uefi_boot(project, image=UEFI_IMAGE, bus="ide", memory=256, cpus=1, **kwargs):
    return boot(project, image=image, memory=memory, cpus=cpus, machine="q35",
                options=["--uefi", "--bus", bus], **kwargs)


@pytest.mark.parametrize("bus,memory,cpus", [
    ("ide", 256, 1), ("ide", 4096, 1), ("ide", 256, 2),
    ("usb", 256, 1), ("usb", 4096, 2),
], ids=lambda value: str(value))
def test_boots_to_ready_under_ovmf(project, bus, memory, cpus):
    """The test-mode kernel reaches its ready line through the UEFI loader,
    sees the RAM and CPUs QEMU gives it, and passes its self-tests."""
    passed, log = uefi_boot(project, bus=bus, memory=memory, cpus=cpus)
    assert passed, log
    assert "uefi: My Kernel loader" in log
    assert "firmware UEFI" in log
    values = ready_values(log)
    # OVMF keeps some RAM for itself (runtime services, ACPI NVS, its
    # reserved areas): the kernel sees nearly all of it, never more.
    assert memory * 1024 * 0.95 <= int(values["mem_total_kib"]) <= memory * 1024, log
    assert int(values["cpus"]) == cpus, log
    assert "[acpi] RSDP at" in log and "revision 2" in log  # the ACPI 2.0 entry


@pytest.mark.parametrize("bus", ["ide", "usb"])
def test_boots_from_disk_img_at_the_start_of_a_larger_disk(project, tmp_path, bus):
    """build/disk.img written to a bigger disk (a USB stick) whose rest holds old
    data: the loader finds KERNEL.BIN through its own partition's file system
    (its loaded image's device), not the whole disk's."""
    disk = str(tmp_path / "stick.img")
    with open(os.path.join(project, UEFI_IMAGE), "rb") as f:
        image = f.read()
    with open(disk, "wb") as f:
        f.write(image + b"\xA5" * (64 << 20))
    passed, log = uefi_boot(project, image=disk, bus=bus)
    assert passed, log
    assert "firmware UEFI" in log


def test_one_image_boots_both_ways(project):
    """The same build/test/disk.img boots through the BIOS (MBR, stage1,
    stage2) and holds EFI/BOOT/BOOTX64.EFI for UEFI."""
    passed, log = boot(project, image=UEFI_IMAGE, options=["--media", "disk"])
    assert passed, log
    assert "firmware BIOS" in log
    listing = subprocess.run(["mdir", "-b", "-i", os.path.join(project, UEFI_IMAGE) + "@@1M",
                              "::EFI/BOOT"], stdout=subprocess.PIPE, universal_newlines=True,
                             env=MTOOLS_ENV, check=True).stdout
    assert "BOOTX64.EFI" in listing


def test_bios_boot_says_bios(project):
    """Stage2 fills in the firmware kind too."""
    make(project, "test-image")
    passed, log = boot(project)
    assert passed, log
    assert "firmware BIOS" in log


def returns_to_firmware(project, image, message):
    """The message appears, the firmware's boot manager takes over again
    (exactly once: no reboot loop) and the kernel never starts."""
    passed, log = uefi_boot(project, image=image, expect=RETURNED, halts=True)
    assert passed, log
    assert message in log, log
    assert log.count(message) == 1, log
    assert "kernel started" not in log
    return log


def test_missing_kernel(project, tmp_path):
    image = image_copy(project, tmp_path, remove=["KERNEL.BIN"], source=UEFI_IMAGE)
    returns_to_firmware(project, image, "uefi: no KERNEL.BIN on the boot partition")


def test_kernel_too_big(project, tmp_path):
    area = 0x200000 - 0x120000  # the default kernel load area
    image = image_copy(project, tmp_path, add=[("KERNEL.BIN", b"\x90" * (area + 1))],
                       source=UEFI_IMAGE)
    returns_to_firmware(project, image, "uefi: KERNEL.BIN is %d bytes, the kernel load "
                                        "area holds %d" % (area + 1, area))


def test_corrupt_kernel(project, tmp_path):
    kernel = bytearray(open(os.path.join(project, "build/test/kernel/kernel.bin"), "rb").read())
    kernel[len(kernel) // 2] ^= 0x55
    image = image_copy(project, tmp_path, add=[("KERNEL.BIN", bytes(kernel))], source=UEFI_IMAGE)
    returns_to_firmware(project, image, "uefi: KERNEL.BIN is corrupt: checksum")


def test_kernel_without_trailer(project, tmp_path):
    kernel = open(os.path.join(project, "build/test/kernel/kernel.bin.raw"), "rb").read()
    image = image_copy(project, tmp_path, add=[("KERNEL.BIN", kernel)], source=UEFI_IMAGE)
    returns_to_firmware(project, image, "uefi: KERNEL.BIN has no checksum trailer")


@pytest.mark.parametrize("fault,message", [
    ("AREA_TAKEN", "uefi: the kernel load area 0x120000-0x1FFFFF is taken by the firmware "
                   "(boot-services data); move it in layout.cfg"),
    ("EXIT_BOOT_SERVICES", "uefi: ExitBootServices failed twice"),
])
def test_loader_fault(project, fault, message):
    """A fault-injection loader build: an area the firmware holds, an
    ExitBootServices that keeps refusing the map key."""
    make(project, "test-image-uefi", "UEFI_FAULT=" + fault)
    returns_to_firmware(project, "build/test-uefi-fault-%s/disk.img" % fault, message)


def test_exit_boot_services_retried_with_a_fresh_map(project):
    """A first ExitBootServices refused for a stale map key (as when the map
    changes under the loader) is retried with a fresh map, and the kernel boots."""
    make(project, "test-image-uefi", "UEFI_FAULT=STALE_KEY_ONCE")
    passed, log = uefi_boot(project, image="build/test-uefi-fault-STALE_KEY_ONCE/disk.img")
    assert passed, log
    assert "ExitBootServices failed" not in log


def test_unknown_loader_fault_is_refused(project):
    result = make(project, "test-image-uefi", "UEFI_FAULT=NOPE", check=False)
    assert result.returncode != 0
    assert "unknown UEFI_FAULT=NOPE; run 'make help' for the list" in result.stdout


@pytest.mark.parametrize("name,context", [
    ("high-kernel", None),  # page tables and PMM pages above 1 MiB
    ("low-stage2", None),   # boot information at 0x1000
    ("moved-window", {"kernel_virt_base": "0xFFFFFFFFE0000000"}),  # other PDPT and PD slots
])
def test_other_layouts_boot_under_ovmf(tmp_path, name, context):
    """The UEFI loader takes every address from the layout: other valid
    layouts boot through it too."""
    from conftest import ROOT
    config = os.path.join(ROOT, "examples", name + ".yaml") if context is None else None
    path = bake(tmp_path, config_file=config, **(context or {}))
    make(path, "test-image-uefi")
    passed, log = uefi_boot(path)
    assert passed, log
    if context:
        assert "boot info v2 at 0xffffffffe0" in log  # read through the moved window



def vga_writes_after_kernel_start(project, tmp_path, machine_args):
    """Boot the test build with QEMU tracing the standard VGA's I/O ports and
    the UART; return the VGA port writes made after the kernel's serial_init
    (the last time the UART's divisor latch was opened: LCR = 0x80)."""
    import subprocess
    trace = tmp_path / "trace.log"
    command = ["qemu-system-x86_64", "-machine", "q35", "-m", "256", "-display", "none",
               "-net", "none", "-serial", "file:%s" % (tmp_path / "serial.log"), "-no-reboot",
               "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
               "-trace", "vga_std_write_io", "-trace", "serial_write", "-D", str(trace)]
    subprocess.run(command + machine_args, cwd=project, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    assert b"ready:" in (tmp_path / "serial.log").read_bytes()
    lines = trace.read_text().splitlines()
    latch = [i for i, line in enumerate(lines)
             if re.search(r"serial_write write addr 0x03 val 0x80\b", line)]
    assert latch, "no UART initialisation traced"
    return [line for line in lines[latch[-1]:] if line.startswith("vga_std_write_io")]


def test_kernel_leaves_vga_alone_under_uefi(project, tmp_path_factory):
    """Booted through the BIOS, the kernel programs the VGA text console right
    after COM1 (the check can see it); through UEFI it never touches VGA."""
    import shutil
    make(project, "test-image")
    bios = vga_writes_after_kernel_start(project, tmp_path_factory.mktemp("bios"), [
        "-drive", "file=build/test/floppy.img,format=raw,if=floppy", "-boot", "a"])
    assert any("addr 0x3d4" in line for line in bios), bios[:20]  # CRTC index
    run = tmp_path_factory.mktemp("uefi")
    shutil.copyfile("/usr/share/OVMF/OVMF_VARS_4M.fd", str(run / "OVMF_VARS.fd"))
    uefi = vga_writes_after_kernel_start(project, run, [
        "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd",
        "-drive", "if=pflash,format=raw,unit=1,file=%s" % (run / "OVMF_VARS.fd"),
        "-drive", "file=%s,format=raw,if=ide" % UEFI_IMAGE])
    assert uefi == []
