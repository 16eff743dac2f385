"""Every failure gives a clear message and a clean halt, never a reboot loop.

Faults are injected into real images (files removed or replaced with mtools),
into the machine (a CPU without long mode) and into the build (a kernel or a
BSS bigger than its area). tools/boot.py --halts requires the message exactly
once and the machine still up, halted, a second later.
"""
import os
import re
import subprocess

import pytest

from conftest import MTOOLS_ENV, bake, baked_with_test_image, boot, image_copy, make, ready_values

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A default project with its test image built."""
    return baked_with_test_image(tmp_path_factory, "faults")


def boots_to_halt(project, image, message, emulator="qemu", options=()):
    """The message appears once and the machine then stays halted."""
    passed, log = boot(project, emulator, image=image, expect=message, halts=True,
                       options=options)
    assert passed, log
    return log


@pytest.mark.parametrize("emulator", ["qemu", "bochs"])
def test_missing_stage2(project, tmp_path, emulator):
    """Stage1 says STAGE2.BIN is missing and halts."""
    image = image_copy(project, tmp_path, remove=["STAGE2.BIN"])
    boots_to_halt(project, image, "stage1: no STAGE2.BIN", emulator)


@pytest.mark.parametrize("emulator", ["qemu", "bochs"])
def test_missing_kernel(project, tmp_path, emulator):
    """Stage2 says KERNEL.BIN is missing and halts."""
    image = image_copy(project, tmp_path, remove=["KERNEL.BIN"])
    boots_to_halt(project, image, "stage2: KERNEL.BIN not found", emulator)


def volume_layout(image):
    """(first FAT, root directory, data area) of a FAT12 floppy image, in sectors, from its BPB."""
    with open(image, "rb") as f:
        bpb = f.read(512)
    reserved, fats, root_entries = int.from_bytes(bpb[14:16], "little"), bpb[16], int.from_bytes(bpb[17:19], "little")
    fat_sectors = int.from_bytes(bpb[22:24], "little")
    root = reserved + fats * fat_sectors
    return reserved, root, root + (root_entries * 32 + 511) // 512


def root_entry_index(image, name):
    """Index of the 8.3 name's entry in the image's root directory."""
    _, root_start, data_start = volume_layout(image)
    with open(image, "rb") as f:
        root = f.read()[root_start * 512:data_start * 512]
    entries = [root[i:i + 32] for i in range(0, len(root), 32)]
    return next(i for i, entry in enumerate(entries) if entry[:11] == name)


@pytest.mark.parametrize("emulator", ["qemu", "bochs"])
def test_loaders_search_the_whole_root_directory(project, tmp_path, emulator):
    """Stage1 and stage2 read the root directory a sector at a time: files in
    its third sector, behind deleted entries, are still found."""
    test_build = os.path.join(project, "build", "test")
    stage2 = open(os.path.join(test_build, "boot", "stage2.bin"), "rb").read()
    kernel = open(os.path.join(test_build, "kernel", "kernel.bin"), "rb").read()
    fillers = [("FILL%02d.TXT" % i, b"x") for i in range(40)]
    image = image_copy(project, tmp_path, remove=["STAGE2.BIN", "KERNEL.BIN"],
                       add=fillers + [("STAGE2.BIN", stage2), ("KERNEL.BIN", kernel)])
    for name, _ in fillers[:10]:
        subprocess.run(["mdel", "-i", image, "::" + name], check=True, env=MTOOLS_ENV)
    assert root_entry_index(image, b"STAGE2  BIN") >= 32
    assert root_entry_index(image, b"KERNEL  BIN") >= 32
    passed, log = boot(project, emulator, image=image)
    assert passed, log


def patch_image(image, offset, data):
    with open(image, "r+b") as f:
        f.seek(offset)
        f.write(data)


def set_fat12_entry(image, cluster, value):
    """Write a 12-bit entry of the first FAT."""
    offset = volume_layout(image)[0] * 512 + cluster * 3 // 2
    with open(image, "r+b") as f:
        f.seek(offset)
        word = int.from_bytes(f.read(2), "little")
        if cluster % 2:
            word = (word & 0x000F) | (value << 4)
        else:
            word = (word & 0xF000) | value
        f.seek(offset)
        f.write(word.to_bytes(2, "little"))


def first_cluster(image, name):
    """The first cluster of a file, from mshowfat ("<first-last> ...")."""
    out = subprocess.run(["mshowfat", "-i", image, "::" + name], check=True, env=MTOOLS_ENV,
                         stdout=subprocess.PIPE, universal_newlines=True).stdout
    return int(out.split("<")[1].split("-")[0].split(">")[0])


def test_stage2_too_big_for_its_area(project, tmp_path):
    """Stage1 stops before a STAGE2.BIN that would run past 0x10000 onto the vectors."""
    image = image_copy(project, tmp_path, remove=["STAGE2.BIN"], add=[("STAGE2.BIN", b"\xf4" * 24000)])
    boots_to_halt(project, image, "stage1: STAGE2.BIN too big")


@pytest.mark.parametrize("value", [0x000, 0x001, 0xFF0, 0xFF7])
def test_stage1_refuses_a_broken_cluster_chain(project, tmp_path, value):
    """A chain entry that is no data cluster (free, reserved, bad) is a bad FAT, not a jump into garbage."""
    image = image_copy(project, tmp_path)
    set_fat12_entry(image, first_cluster(image, "STAGE2.BIN"), value)
    boots_to_halt(project, image, "stage1: bad FAT")


def test_stage1_refuses_a_fat_too_big_for_its_buffer(project, tmp_path):
    """A BPB whose FAT does not fit the FAT buffer (a FAT16 volume, say) is refused."""
    image = image_copy(project, tmp_path)
    patch_image(image, 0x16, (23).to_bytes(2, "little"))  # BPB sectors per FAT
    boots_to_halt(project, image, "stage1: bad FAT")


def test_stage1_needs_its_second_sector(project, tmp_path):
    """A volume whose reserved sector 1 is not stage1's (reformatted, or copied
    without it) stops in sector 0 with its own message."""
    image = image_copy(project, tmp_path)
    patch_image(image, 512, bytes(512))
    boots_to_halt(project, image, "stage1: no sector 1")


def test_empty_kernel(project, tmp_path):
    """Stage2 refuses a zero-length KERNEL.BIN."""
    image = image_copy(project, tmp_path, remove=["KERNEL.BIN"], add=[("KERNEL.BIN", b"")])
    boots_to_halt(project, image, "stage2: KERNEL.BIN is empty")


def test_kernel_file_bigger_than_its_area(project, tmp_path):
    """Stage2 checks the file size against the load area before copying."""
    image = image_copy(project, tmp_path, remove=["KERNEL.BIN"],
                       add=[("KERNEL.BIN", b"\xcc" * (1000 * 1024))])
    log = boots_to_halt(project, image, "stage2: KERNEL.BIN does not fit its area")
    assert "0x000FA000 bytes, the kernel load area holds 0x000E0000" in log


def test_cpu_without_long_mode(project):
    """Stage2 refuses a 32-bit CPU with a message instead of crashing."""
    image = os.path.join(project, "build", "test", "floppy.img")
    boots_to_halt(project, image, "stage2: this CPU does not support long mode",
                  options=["--cpu", "qemu32"])


@pytest.mark.parametrize("ballast, message", [
    ("__attribute__((used)) static const char ballast[1024 * 1024] = {1};",
     "the kernel image outgrows its load area"),
    ("__attribute__((used)) static char ballast[1024 * 1024];",
     "the kernel BSS outgrows kernel_bss_size"),
], ids=["image", "bss"])
def test_build_refuses_a_kernel_that_outgrows_its_area(tmp_path, ballast, message):
    """The link fails, naming the area, instead of producing an image that
    would overwrite memory at boot."""
    path = bake(tmp_path)
    with open(os.path.join(path, "kernel", "main.c"), "a") as f:
        f.write("\n" + ballast + "\n")
    result = make(path, check=False)
    assert result.returncode != 0
    assert message in result.stdout, result.stdout[-3000:]
    assert not os.path.exists(os.path.join(path, "build", "floppy.img"))


def test_triple_fault_is_reported_as_such(project, tmp_path):
    """A kernel that triple-faults (here: int3 with no IDT yet) fails the run
    with that reason instead of rebooting or hanging."""
    raw, kernel = tmp_path / "int3.raw", tmp_path / "int3.bin"
    raw.write_bytes(b"\xcc" * 4096)
    subprocess.run(["python3", "tools/kernel_trailer.py", "include/bootinfo.h", str(raw), str(kernel)],
                   cwd=project, check=True)
    image = image_copy(project, tmp_path, remove=["KERNEL.BIN"],
                       add=[("KERNEL.BIN", kernel.read_bytes())])
    passed, log = boot(project, image=image)
    assert not passed
    assert "triple-faulted" in log.splitlines()[-1], log


def kernel_sectors(image):
    """The first floppy sector (LBA) holding KERNEL.BIN."""
    return volume_layout(image)[2] + first_cluster(image, "KERNEL.BIN") - 2


@pytest.mark.parametrize("offset", [1, 5])
def test_unreported_read_error_is_caught_by_the_checksum(project, tmp_path, offset):
    """QEMU's floppy controller hands over zeros for a sector it cannot read,
    without an error; stage2's checksum of KERNEL.BIN catches it."""
    image = os.path.join(project, "build", "test", "floppy.img")
    conf = tmp_path / "blkdebug.conf"
    conf.write_text('[inject-error]\nevent = "read_aio"\nerrno = "5"\nsector = "%d"\n'
                    % (kernel_sectors(image) + offset))
    boots_to_halt(project, image, "stage2: KERNEL.BIN is corrupt: checksum",
                  options=["--blkdebug", str(conf)])


def test_kernel_without_trailer_is_refused(project, tmp_path):
    """A KERNEL.BIN not made by the build (no checksum trailer) is refused."""
    image = image_copy(project, tmp_path, remove=["KERNEL.BIN"], add=[("KERNEL.BIN", b"\x90" * 4096)])
    boots_to_halt(project, image, "stage2: KERNEL.BIN has no checksum trailer")


@pytest.mark.parametrize("emulator", ["qemu", "bochs"])
@pytest.mark.parametrize("fault, message", [
    # Reads from a drive that does not exist: real BIOS errors, retried.
    ("DISK_ERROR", "stage2: disk read error (BIOS INT 13h failed 3 times) on drive 0x0000007F at LBA 0x"),
    # The machines at hand all have CPUID and a working A20 gate, so these
    # builds make the checks fail to show the message and the halt.
    ("NO_CPUID", "stage2: this CPU has no CPUID instruction"),
    ("A20", "stage2: A20 could not be enabled"),
    # E820h (asked with a wrong signature, so the BIOS itself refuses),
    # E801h (an unknown function) and AH=88h all fail.
    ("NO_MEMORY_MAP", "stage2: the BIOS gave no memory map (INT 15h E820h, E801h and AH=88h all failed)"),
    # INT 12h answers 512 KiB, as on a machine with a large EBDA.
    ("SMALL_LOW_MEMORY", "stage2: not enough conventional memory: the BIOS reports 0x00000200 KiB"),
    # INT 12h reports all 640 KiB free, but the BDA's EBDA pointer says the
    # EBDA starts at 512 KiB, as on BIOSes whose INT 12h ignores it.
    ("LOW_EBDA_POINTER", "stage2: not enough conventional memory: the BIOS reports 0x00000200 KiB"),
])
def test_loader_failure_paths(project, emulator, fault, message):
    """Each loader failure says what went wrong, once, and halts."""
    build = "build/test-loader-" + fault
    make(project, "BUILD=" + build, "KERNEL_TEST=1", "LOADER_FAULT=" + fault,
         build + "/floppy.img")
    boots_to_halt(project, os.path.join(project, build, "floppy.img"), message, emulator)


@pytest.mark.parametrize("emulator", ["qemu", "bochs"])
def test_loader_keeps_32_bit_registers_across_bios_calls(project, emulator):
    """A BIOS may return from INT 10h with the upper halves of the 32-bit
    registers changed (LOADER_FAULT=BIOS_CLOBBERS_HIGH makes it so): putc
    saves them (pushad), so stage2's figures stay right and the kernel boots."""
    build = "build/test-loader-BIOS_CLOBBERS_HIGH"
    make(project, "BUILD=" + build, "KERNEL_TEST=1", "LOADER_FAULT=BIOS_CLOBBERS_HIGH",
         build + "/floppy.img")
    passed, log = boot(project, emulator, image=os.path.join(project, build, "floppy.img"))
    assert passed, log
    size = os.path.getsize(os.path.join(project, build, "kernel", "kernel.bin"))
    assert "stage2: KERNEL.BIN 0x%08X bytes at 0x00120000" % size in log, log[:2000]
    assert re.search(r"stage2: E820 entries: 0x0000[0-9A-F]{4}\n", log), log[:2000]
    assert "0xDDDD" not in log.split("kernel started")[0], log[:2000]


def loader_fault_image(project, fault):
    """A test image whose loader is built with LOADER_FAULT=fault."""
    build = "build/test-loader-" + fault
    make(project, "BUILD=" + build, "KERNEL_TEST=1", "LOADER_FAULT=" + fault, build + "/floppy.img")
    return os.path.join(project, build, "floppy.img")


@pytest.mark.parametrize("emulator", ["qemu", "bochs"])
@pytest.mark.parametrize("fault, line, least_kib", [
    # Without E820h the map comes from E801h: all 128 MiB but the top
    # 128 KiB QEMU and Bochs keep for ACPI.
    ("NO_E820", "stage2: no E820 memory map; using INT 15h AX=E801h", 127 * 1024),
    # Without E820h and E801h, AH=88h reaches only 64 MiB.
    ("NO_E820_E801", "stage2: no E820 or E801h memory map; using INT 15h AH=88h", 63 * 1024),
    # A BIOS whose EBX never returns to 0: the loader stops after 1024 calls.
    ("E820_ENDLESS", "stage2: E820: the BIOS never ended its list; stopped after calls: 0x00000400",
     127 * 1024),
])
def test_loader_memory_map_fallbacks(project, emulator, fault, line, least_kib):
    """Where E820h is missing or never ends, the loader still hands over a
    memory map, says how it got it, and the kernel boots with the RAM it found."""
    passed, log = boot(project, emulator, image=loader_fault_image(project, fault))
    assert passed, log[-3000:]
    assert line in log, log[:2000]
    assert least_kib <= int(ready_values(log)["mem_total_kib"]) <= 128 * 1024, log[-3000:]


def test_e820_ram_beyond_the_physical_address_width_is_ignored(project):
    """A usable E820 entry ending at 2^52 (LOADER_FAULT=E820_BEYOND_PHYS)
    lies beyond the 40 address bits of QEMU's CPU: the kernel ignores it and
    says so, instead of placing a 128 GiB PMM bitmap over its page tables."""
    passed, log = boot(project, image=loader_fault_image(project, "E820_BEYOND_PHYS"))
    assert passed, log[-3000:]
    assert "[e820] 4194304 KiB of usable RAM lies beyond the CPU's 40-bit physical address space" in log
    assert int(ready_values(log)["mem_total_kib"]) <= 128 * 1024


def test_nmi_stays_masked_from_the_last_bios_call_to_the_kernel_idt(project, tmp_path):
    """Bochs logs every write to the CMOS index port (0x70), whose bit 7 masks
    NMI. BIOS calls write it with bit 7 clear (floppy type, memory size), so
    stage2 masks NMI again at each switch out of real mode: the write before
    the kernel's unmask (0x0D, once its IDT is loaded) must be stage2's mask
    (0x8D), and the kernel's unmask the last one."""
    log = tmp_path / "bochs.log"
    with open(os.path.join(project, "build", "test", "gen", "bochsrc")) as handle:
        config = handle.read()
    assert "\nlog: -\n" in config and "\ndebug: action=ignore\n" in config
    config = config.replace("\nlog: -\n", "\nlog: %s\n" % log)
    config = config.replace("\ndebug: action=ignore\n", "\ndebug: action=ignore, cmos=report\n")
    rc = tmp_path / "bochsrc"
    rc.write_text(config)
    passed, output = boot(project, "bochs", options=["--bochsrc", str(rc)])
    assert passed, output[-3000:]
    writes = re.findall(r"CMOS write to address: 0x0070 = 0x([0-9a-f]{2})", log.read_text(errors="replace"))
    assert writes[-2:] == ["8d", "0d"], writes[-12:]
    assert writes.count("8d") >= 2, writes  # each unreal-mode entry and the long-mode switch
