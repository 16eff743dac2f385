"""The kernel boots from every medium a PC boots from: hard disks on each
interface, a USB stick, a CD, floppies of other sizes; and each disk-path
failure has its message.

One project is baked and built once (test images of the floppy, the disk and
the CD, and a loader that hides the INT 13h extensions); every case boots a
copy or a variant of those images. The stage2 line "boot drive ..., read
with the INT 13h extensions" or "read by CHS: C cylinders, H heads, S
sectors per track" says which way the loader read the disk, and the
geometry it got from the BIOS.
"""
import os
import shutil
import struct
import subprocess
import time

import pytest

from conftest import MTOOLS_ENV, bake, boot, make

pytestmark = pytest.mark.slow

SECTOR = 512
PARTITION_LBA = 2048
EDD_LINE = "stage2: boot drive 0x00000080, read with the INT 13h extensions"
EDD_MAX_SECTORS = 127  # the most stage2 asks of one AH=42h call (boot/stage2/disk.asm)
NO_EDD_BUILD = "build/test-loader-NO_EDD"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A default project with its test floppy, disk and CD images, and a
    NO_EDD disk image (MBR and loaders that read by CHS only)."""
    path = bake(tmp_path_factory.mktemp("media"))
    make(path, "test-image", "MEDIA=cdrom")
    make(path, "BUILD=" + NO_EDD_BUILD, "KERNEL_TEST=1", "LOADER_FAULT=NO_EDD", NO_EDD_BUILD + "/disk.img")
    return path


def built(project, name):
    return os.path.join(project, "build", "test", name)


def booted(project, image, media="disk", emulator="qemu", **options):
    """Boot to the kernel's ready line (the emulator is stopped there: what
    follows, the self-tests, does not depend on the medium); the log.
    Stage2 has verified KERNEL.BIN's checksum by then."""
    extra = []
    for option in ("interface", "geometry"):
        if options.get(option):
            extra += ["--" + option, options.pop(option)]
    passed, log = boot(project, emulator, image=image, expect="\nready: mem_total_kib=",
                       options=["--media", media] + extra, **options)
    assert passed, log[-4000:]
    assert log.count("stage2: started") == 1, log[-4000:]
    assert holders(image) == [], "the emulator, stopped at the ready line, is still running"
    return log


def halted(project, image, message, **options):
    """The message appears once and the machine stays halted."""
    extra = ["--media", "disk"]
    for option in ("geometry", "blkdebug"):
        if options.get(option):
            extra += ["--" + option, options.pop(option)]
    passed, log = boot(project, image=image, expect=message, halts=True, options=extra, **options)
    assert passed, log[-4000:]
    return log


def partition_entry(image):
    """(status, type, first LBA, sectors) of the first partition table entry."""
    with open(image, "rb") as f:
        mbr = f.read(SECTOR)
    status, kind = mbr[446], mbr[450]
    first, count = struct.unpack_from("<II", mbr, 454)
    return status, kind, first, count, mbr[510:512]


def volume_sectors(image, first_lba):
    """(reserved, FAT sectors, root sectors, sectors per cluster, hidden, fs type) of the BPB at first_lba."""
    with open(image, "rb") as f:
        f.seek(first_lba * SECTOR)
        bpb = f.read(SECTOR)
    reserved, fats = struct.unpack_from("<HB", bpb, 14)
    root_entries, = struct.unpack_from("<H", bpb, 17)
    fat_sectors, = struct.unpack_from("<H", bpb, 22)
    hidden, = struct.unpack_from("<I", bpb, 28)
    return reserved, fats * fat_sectors, root_entries * 32 // SECTOR, bpb[13], hidden, bpb[54:62]


def file_lba(image, name, first_lba=PARTITION_LBA):
    """The disk LBA of a file's first sector in the disk image's partition."""
    reserved, fats, root, cluster_sectors, _, _ = volume_sectors(image, first_lba)
    out = subprocess.run(["mshowfat", "-i", "%s@@%d" % (image, first_lba * SECTOR), "::" + name],
                         check=True, env=MTOOLS_ENV, stdout=subprocess.PIPE, universal_newlines=True).stdout
    cluster = int(out.split("<")[1].split("-")[0].split(">")[0])
    return first_lba + reserved + fats + root + (cluster - 2) * cluster_sectors


def kernel_run_bytes(cluster_bytes):
    """What stage2 reads of KERNEL.BIN in one BIOS call: as many whole
    clusters as one AH=42h call of 127 sectors takes."""
    return EDD_MAX_SECTORS * SECTOR // cluster_bytes * cluster_bytes


def copy_of(project, tmp_path, name="disk.img", source=None):
    image = str(tmp_path / name)
    shutil.copy(source or built(project, name), image)
    return image


# ---------------------------------------------------------------- the image

def test_disk_image_is_an_mbr_disk_with_one_fat12_partition(project):
    """build/disk.img: our MBR, one active FAT12 partition from LBA 2048 to
    the end of the 4 MiB image, whose BPB gives that offset as hidden sectors
    and keeps stage1's second sector in the reserved area."""
    image = built(project, "disk.img")
    assert os.path.getsize(image) == 4 << 20
    with open(image, "rb") as f:
        assert f.read(446)[440:] == bytes(6)     # disk signature: left for partitioning tools
    status, kind, first, count, signature = partition_entry(image)
    assert (status, kind, first, count, signature) == (0x80, 0x01, PARTITION_LBA, (4 << 20) // SECTOR - 2048,
                                                       b"\x55\xaa")
    reserved, fats, _, cluster_sectors, hidden, fs_type = volume_sectors(image, first)
    assert (reserved, cluster_sectors, hidden, fs_type) == (2, 4, PARTITION_LBA, b"FAT12   ")
    with open(image, "rb") as f:
        f.seek((first + 1) * SECTOR + 510)
        assert f.read(2) == b"S1"
    listing = subprocess.run(["mdir", "-b", "-i", "%s@@%d" % (image, first * SECTOR), "::"], check=True,
                             env=MTOOLS_ENV, stdout=subprocess.PIPE, universal_newlines=True).stdout
    assert "STAGE2.BIN" in listing and "KERNEL.BIN" in listing


# ---------------------------------------------------------------- hard disks, QEMU

@pytest.mark.parametrize("machine, interface", [
    ("pc", "ide"),        # PIIX IDE
    ("q35", "ide"),       # the ICH9's AHCI controller
    ("pc", "ahci"),       # an AHCI controller of its own
    ("pc", "virtio"),     # virtio-blk
    ("q35", "usb"),       # a USB stick on xHCI (usb-storage on qemu-xhci)
])
def test_disk_boots_on_every_interface(project, machine, interface):
    """The disk image boots to ready on each kind of disk SeaBIOS boots from,
    read through the INT 13h extensions."""
    log = booted(project, built(project, "disk.img"), machine=machine, interface=interface)
    assert EDD_LINE in log


def test_disk_image_at_the_start_of_a_larger_disk(project, tmp_path):
    """Written to a 1 GiB stick whose other sectors hold old data (not zero),
    the image still boots: nothing depends on the disk's size or on what
    lies past the partition."""
    image = copy_of(project, tmp_path)
    pattern = (b"\xa5\x5a old data " * 4096)[:1 << 20]
    with open(image, "r+b") as f:
        f.seek(0, os.SEEK_END)
        while f.tell() < 1 << 30:
            f.write(pattern)
    try:
        assert os.path.getsize(image) == 1 << 30
        for interface in ("ide", "usb"):
            assert EDD_LINE in booted(project, image, interface=interface)
    finally:
        os.remove(image)                # pytest keeps the last runs' temporary files


# ---------------------------------------------------------------- without the extensions

@pytest.mark.parametrize("interface", ["ide", "virtio"])
def test_chs_path_boots_with_the_bios_geometry(project, interface):
    """With the extensions hidden, the MBR, stage1 and stage2 read by CHS with
    the geometry SeaBIOS reports (16 heads, 63 sectors), not the BPB's (255, 63)."""
    log = booted(project, os.path.join(project, NO_EDD_BUILD, "disk.img"), interface=interface)
    assert "read by CHS: 7 cylinders, 16 heads, 63 sectors per track" in log


def test_chs_path_with_an_odd_geometry(project):
    """QEMU told to report 64 cylinders, 4 heads, 32 sectors: the loaders use
    that (SeaBIOS keeps the last cylinder back), and the kernel loads right."""
    log = booted(project, os.path.join(project, NO_EDD_BUILD, "disk.img"), geometry="64/4/32")
    assert "read by CHS: 63 cylinders, 4 heads, 32 sectors per track" in log


# ---------------------------------------------------------------- Bochs

def test_bochs_ata_disk(project):
    """Bochs boots the disk image as an ATA disk whose geometry (64/4/32) is
    not the image's, through its BIOS's extensions."""
    log = booted(project, built(project, "disk.img"), emulator="bochs", geometry="64/4/32")
    assert EDD_LINE in log


def test_bochs_ata_disk_by_chs(project):
    """Bochs's BIOS, asked for the geometry, gives the ATA disk's 64/4/32,
    and the CHS path reads the whole chain with it."""
    log = booted(project, os.path.join(project, NO_EDD_BUILD, "disk.img"), emulator="bochs",
                 geometry="64/4/32")
    assert "read by CHS: 64 cylinders, 4 heads, 32 sectors per track" in log


def test_bochs_cdrom(project):
    """Bochs boots the CD (El Torito, floppy emulation) as drive 0x00."""
    log = booted(project, built(project, "cdrom.iso"), media="cdrom", emulator="bochs")
    assert "stage2: boot drive 0x00000000, read by CHS: 80 cylinders, 2 heads, 18 sectors per track" in log


# ---------------------------------------------------------------- CDs and floppies

@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_cdrom(project, machine):
    """The CD boots on the PIIX IDE and on q35's AHCI, the floppy image emulated as drive 0x00."""
    log = booted(project, built(project, "cdrom.iso"), media="cdrom", machine=machine)
    assert "stage2: boot drive 0x00000000, read by CHS: 80 cylinders, 2 heads, 18 sectors per track" in log


def floppy(project, tmp_path, kib):
    """A floppy of this size made with mtools from the project's stage1 and files, as the Makefile does."""
    image = str(tmp_path / ("floppy%d.img" % kib))
    build = os.path.join(project, "build", "test")
    stage1 = os.path.join(build, "boot", "stage1.bin")
    for command in (["mformat", "-C", "-i", image, "-f", str(kib), "-R", "2", "-B", stage1, "::"],
                    ["dd", "if=" + stage1, "of=" + image, "bs=512", "skip=1", "seek=1", "count=1",
                     "conv=notrunc", "status=none"],
                    ["mcopy", "-i", image, os.path.join(build, "boot", "stage2.bin"), "::STAGE2.BIN"],
                    ["mcopy", "-i", image, os.path.join(build, "kernel", "kernel.bin"), "::KERNEL.BIN"]):
        subprocess.run(command, check=True, env=MTOOLS_ENV)
    return image


@pytest.mark.parametrize("kib, geometry", [(720, "80 cylinders, 2 heads, 9 sectors"),
                                           (2880, "80 cylinders, 2 heads, 36 sectors")])
@pytest.mark.parametrize("emulator", ["qemu", "bochs"])
def test_other_floppy_sizes(project, tmp_path, kib, geometry, emulator):
    """720K and 2.88M floppies boot: the loaders take the geometry from the BPB."""
    log = booted(project, floppy(project, tmp_path, kib), media="floppy", emulator=emulator)
    assert "stage2: boot drive 0x00000000, read by CHS: %s per track" % geometry in log


def test_disk_image_booted_as_a_floppy(project):
    """Some BIOSes present a USB stick as a floppy ("USB-FDD"): the whole disk
    image is drive 0x00, with a floppy geometry the BIOS picks. QEMU's floppy
    drive does the same with build/disk.img (it takes it for a 2.88M disk).
    The MBR loads the partition's boot sector; stage1 and stage2, seeing a
    partition (hidden sectors) on a floppy drive, read by CHS with the BIOS's
    geometry, not the BPB's hard-disk one, which would miss."""
    log = booted(project, built(project, "disk.img"), media="floppy")
    assert "stage2: boot drive 0x00000000, read by CHS: 80 cylinders, 2 heads, 36 sectors per track" in log


# ---------------------------------------------------------------- failures

@pytest.mark.parametrize("emulator", ["qemu", "bochs"])
def test_mbr_without_an_active_partition(project, tmp_path, emulator):
    """An MBR whose table has no active entry says so and halts. Twice in a
    row: Bochs, stopped once the message is seen, leaves a lock on the
    image that the next run must get past (-unlock)."""
    image = copy_of(project, tmp_path)
    with open(image, "r+b") as f:
        f.seek(446)
        f.write(b"\x00")
    for _ in range(2 if emulator == "bochs" else 1):
        halted(project, image, "MBR: no active partition", emulator=emulator)
        assert holders(image) == [], "an emulator still has the image open after the run"


def holders(path):
    """Pids of the processes that have this file open (a stopped emulator must be gone)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir("/proc/%s/fd" % pid)
            if any(os.path.realpath("/proc/%s/fd/%s" % (pid, fd)) == os.path.realpath(path) for fd in fds):
                found.append(int(pid))
        except OSError:
            continue
    return found


@pytest.mark.parametrize("where, value", [(450, b"\x06"), ((PARTITION_LBA * SECTOR) + 510, b"\x00\x00")],
                         ids=["type", "signature"])
def test_mbr_refuses_a_partition_that_is_not_ours(project, tmp_path, where, value):
    """An active partition of another type (FAT16 here), or one whose first
    sector is no boot sector, is refused in one line."""
    image = copy_of(project, tmp_path)
    with open(image, "r+b") as f:
        f.seek(where)
        f.write(value)
    halted(project, image, "MBR: partition not FAT12")


def blkdebug(tmp_path, lba):
    """A QEMU blkdebug config that fails every read of this sector."""
    conf = tmp_path / "blkdebug.conf"
    conf.write_text('[inject-error]\nevent = "read_aio"\nerrno = "5"\nsector = "%d"\n' % lba)
    return str(conf)


def test_read_errors_name_the_drive_and_the_lba(project, tmp_path):
    """A sector the disk cannot read, after three tries, is named with the
    drive: by the MBR (the partition's boot sector), stage1 (the root
    directory) and stage2 (KERNEL.BIN)."""
    image = built(project, "disk.img")
    root = PARTITION_LBA + sum(volume_sectors(image, PARTITION_LBA)[:2])
    kernel = file_lba(image, "KERNEL.BIN")
    for lba, message in ((PARTITION_LBA, "MBR: disk error drive 0x80 LBA 0x%08X" % PARTITION_LBA),
                         (root, "stage1: disk error on drive 0x80 at LBA 0x%08X" % root),
                         (kernel, "stage2: disk read error (BIOS INT 13h failed 3 times) on drive "
                                  "0x00000080 at LBA 0x%08X" % kernel)):
        halted(project, image, message, blkdebug=blkdebug(tmp_path, lba))


def test_a_bad_sector_inside_a_run_is_named(project, tmp_path):
    """Stage1 and stage2 read a file in runs, one BIOS call each. When a
    run's call fails every try, they read on a sector at a time (stage2
    says so: some BIOSes fail long reads), so the message names the bad
    sector, not the run's first."""
    image = built(project, "disk.img")
    bad = file_lba(image, "STAGE2.BIN") + 3
    halted(project, image, "stage1: disk error on drive 0x80 at LBA 0x%08X" % bad,
           blkdebug=blkdebug(tmp_path, bad))
    bad = file_lba(image, "KERNEL.BIN") + 5
    log = halted(project, image, "stage2: disk read error (BIOS INT 13h failed 3 times) on drive "
                                 "0x00000080 at LBA 0x%08X" % bad, blkdebug=blkdebug(tmp_path, bad))
    assert "stage2: a read of several sectors failed 3 times: reading one sector a call" in log


def test_a_bios_that_fails_long_reads_still_boots(project):
    """Some BIOSes (their USB emulation among them) fail reads of many
    sectors. LOADER_FAULT=LONG_READ_FAILS makes stage2's BIOS fail every
    read of more than one sector: stage2 says so and reads KERNEL.BIN a
    sector a call, from the disk and from the floppy."""
    build = "build/test-loader-LONG_READ_FAILS"
    make(project, "BUILD=" + build, "KERNEL_TEST=1", "LOADER_FAULT=LONG_READ_FAILS",
         build + "/disk.img", build + "/floppy.img")
    for name, media in (("disk.img", "disk"), ("floppy.img", "floppy")):
        log = booted(project, os.path.join(project, build, name), media=media)
        assert "stage2: a read of several sectors failed 3 times: reading one sector a call" in log
        assert log.count("reading one sector a call") == 1, log[-3000:]


def ata_reads(trace):
    """(first LBA, sectors) of each ATA READ SECTORS command in a QEMU trace
    of ide_exec_cmd and ide_sector_read: SeaBIOS issues one per INT 13h read."""
    reads = []
    for line in trace.splitlines():
        if "ide_exec_cmd" in line and line.rstrip().endswith("cmd 0x20"):
            reads.append([None, 0])
        elif "ide_sector_read" in line and reads:
            sector = int(line.split("sector=")[1].split()[0])
            if reads[-1][0] is None:
                reads[-1][0] = sector
            reads[-1][1] += 1
    return [tuple(read) for read in reads]


def test_each_file_is_read_in_few_bios_calls(project, tmp_path):
    """A BIOS call costs far more than a sector, so with the extensions each
    loader reads a file in as few calls as it can. QEMU's IDE trace shows
    every read of a disk boot: the MBR (by the BIOS), the partition's boot
    sector (by the MBR), stage1's second sector, a root directory sector,
    the FAT and STAGE2.BIN (one call each, by stage1), the root directory
    sector again and KERNEL.BIN in runs of 31 clusters (by stage2)."""
    image = built(project, "disk.img")
    with open(image, "rb") as f:
        f.seek(PARTITION_LBA * SECTOR)
        bpb = f.read(SECTOR)
    reserved, = struct.unpack_from("<H", bpb, 14)
    fat_sectors, = struct.unpack_from("<H", bpb, 22)
    cluster_bytes = bpb[13] * SECTOR
    root = PARTITION_LBA + sum(volume_sectors(image, PARTITION_LBA)[:2])
    stage2_size = os.path.getsize(os.path.join(project, "build", "test", "boot", "stage2.bin"))
    kernel_size = os.path.getsize(os.path.join(project, "build", "test", "kernel", "kernel.bin"))
    expected = [(0, 1), (PARTITION_LBA, 1), (PARTITION_LBA + 1, 1), (root, 1),
                (PARTITION_LBA + reserved, fat_sectors),
                (file_lba(image, "STAGE2.BIN"), -(-stage2_size // cluster_bytes) * cluster_bytes // SECTOR),
                (root, 1)]
    kernel, run = file_lba(image, "KERNEL.BIN"), kernel_run_bytes(cluster_bytes)
    for offset in range(0, kernel_size, run):
        size = min(run, -(-(kernel_size - offset) // cluster_bytes) * cluster_bytes)
        expected.append((kernel + offset // SECTOR, size // SECTOR))
    trace = str(tmp_path / "ide.trace")
    passed, log = boot(project, image=image, expect="\nready: ",
                       options=["--media", "disk", "--qemu-log", trace],
                       extra=["-trace", "ide_exec_cmd", "-trace", "ide_sector_read"])
    assert passed, log[-3000:]
    with open(trace) as f:
        assert ata_reads(f.read()) == expected


def test_file_beyond_chs_reach_without_extensions(project, tmp_path):
    """Without the extensions, a KERNEL.BIN past the last cylinder the BIOS
    reports (19 cylinders of 4 x 32 here, SeaBIOS keeping one back) is
    refused with a message, not read from the wrong place."""
    image = copy_of(project, tmp_path, source=os.path.join(project, NO_EDD_BUILD, "disk.img"))
    volume = "%s@@%d" % (image, PARTITION_LBA * SECTOR)
    kernel = tmp_path / "KERNEL.BIN"
    subprocess.run(["mcopy", "-i", volume, "::KERNEL.BIN", str(kernel)], check=True, env=MTOOLS_ENV)
    filler = tmp_path / "FILLER.BIN"
    filler.write_bytes(b"\xff" * (256 << 10))
    for command in (["mdel", "-i", volume, "::KERNEL.BIN"],
                    ["mcopy", "-i", volume, str(filler), "::FILLER.BIN"],
                    ["mcopy", "-i", volume, str(kernel), "::KERNEL.BIN"]):
        subprocess.run(command, check=True, env=MTOOLS_ENV)
    lba = file_lba(image, "KERNEL.BIN")
    last_reachable = 19 * 4 * 32 - 1
    assert file_lba(image, "STAGE2.BIN") <= last_reachable < lba
    halted(project, image, "stage2: without INT 13h extensions LBA 0x%08X lies beyond the BIOS's CHS "
                           "geometry, whose last cylinder is 0x00000012" % lba, geometry="20/4/32")


def test_mbr_beyond_chs_reach_without_extensions(project):
    """A partition that starts past the last cylinder the BIOS reports stops
    the MBR with a message (16 cylinders of 4 x 32 end before LBA 2048)."""
    halted(project, os.path.join(project, NO_EDD_BUILD, "disk.img"), "MBR: beyond CHS", geometry="17/4/32")


def test_make_test_boots_the_disk_too(project):
    """The project's `make test` boots the disk image in QEMU and Bochs after the
    floppy (and the same disk image through UEFI, the third QEMU boot)."""
    output = make(project, "test").stdout
    assert output.count("boot: qemu PASS") == 3 and output.count("boot: bochs PASS") == 2, output[-3000:]
    assert EDD_LINE in output


def test_moved_mbr_and_largest_disk_boot(tmp_path):
    """examples/low-stage2.yaml moves the MBR to 0x8000 (stage2's area, which
    only stage1 fills later) and makes the disk 9 MiB, the most FAT12 with
    2 KiB clusters holds: its disk boots, and is FAT12."""
    from conftest import ROOT
    path = bake(tmp_path, config_file=os.path.join(ROOT, "examples", "low-stage2.yaml"))
    make(path, "test-image")
    image = built(path, "disk.img")
    assert os.path.getsize(image) == 9 << 20
    assert volume_sectors(image, PARTITION_LBA)[5] == b"FAT12   "
    assert EDD_LINE in booted(path, image)
    assert "read by CHS" in booted(path, built(path, "floppy.img"), media="floppy")


def memory_at_ready(image, media, start, size, tmp_path):
    """(serial log, `size` bytes of physical memory from `start`) of a QEMU boot
    of image, read through QEMU's monitor once the kernel's ready line is out
    (the kernel leaves memory below 2 MiB alone: its PMM skips it)."""
    log, dump = str(tmp_path / ("%s.log" % media)), str(tmp_path / ("%s.mem" % media))
    drive = ["-drive", "file=%s,format=raw,if=%s,snapshot=on" % (image, "ide" if media == "disk" else "floppy"),
             "-boot", "c" if media == "disk" else "a"]
    qemu = subprocess.Popen(["qemu-system-x86_64", "-machine", "pc", "-m", "128", "-display", "none",
                             "-net", "none", "-no-reboot", "-serial", "file:" + log, "-monitor", "stdio"] + drive,
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        text = ""
        while "\nready: " not in text and time.monotonic() < deadline and qemu.poll() is None:
            time.sleep(0.1)
            text = open(log, errors="replace").read() if os.path.exists(log) else ""
        assert "\nready: " in text, text[-3000:]
        qemu.communicate(('pmemsave 0x%X 0x%X "%s"\nquit\n' % (start, size, dump)).encode(), timeout=60)
    finally:
        if qemu.poll() is None:
            qemu.kill()
            qemu.wait()
    with open(dump, "rb") as f:
        return text, f.read()


def test_moved_disk_buffer(tmp_path):
    """With disk_buffer_addr = 0x80000 (the highest base the rule allows),
    the disk and the floppy image boot to ready, and stage2 read KERNEL.BIN
    there: at ready the buffer still holds the file's last run, each run as
    long as a run may be (31 clusters of 2 KiB on the disk, one AH=42h call
    of 124 sectors; 127 one-sector clusters on the floppy), while 0x10000,
    the default place, holds none of it."""
    path = bake(tmp_path, disk_buffer_addr="0x80000")
    make(path)                      # the user's images: the kernel idles after ready
    images = os.path.join(path, "build")
    kernel = subprocess.run(["mcopy", "-n", "-i", os.path.join(images, "floppy.img"), "::KERNEL.BIN", "-"],
                            check=True, stdout=subprocess.PIPE, env=MTOOLS_ENV).stdout
    for name, media, run_bytes, read_line in (("disk.img", "disk", kernel_run_bytes(2048), EDD_LINE),
                                              ("floppy.img", "floppy", kernel_run_bytes(512),
                                               "read by CHS: 80 cylinders")):
        log, memory = memory_at_ready(os.path.join(images, name), media, 0x10000, 0x80000, tmp_path)
        assert read_line in log and "stage2: KERNEL.BIN 0x%08X bytes" % len(kernel) in log, log[-3000:]
        last_run = kernel[(len(kernel) - 1) // run_bytes * run_bytes:]
        assert memory[0x70000:0x70000 + len(last_run)] == last_run, media
        assert last_run[:512] not in memory[:0x10000], media


def test_a_failed_read_resets_the_boot_drive(project, tmp_path):
    """Between tries, stage2 resets the drive it booted from, not whatever
    DL the failed call left. The DISK_ERROR build reads from drive 0x7F (no
    such drive) while booted from the IDE disk 0x80: QEMU's trace shows the
    IDE channel reset after each failed try, on top of those of a normal
    boot. A reset of DL as the failed call left it (0x7F) touches no disk."""
    build = "build/test-loader-DISK_ERROR"
    make(project, "BUILD=" + build, "KERNEL_TEST=1", "LOADER_FAULT=DISK_ERROR", build + "/disk.img")
    resets = {}
    for name, image, awaited in (("normal", built(project, "disk.img"), "\nready: "),
                                 ("failing", os.path.join(project, build, "disk.img"),
                                  "stage2: disk read error (BIOS INT 13h failed 3 times) on drive 0x0000007F")):
        trace = str(tmp_path / (name + ".trace"))
        passed, log = boot(project, image=image, expect=awaited,
                           options=["--media", "disk", "--qemu-log", trace], extra=["-trace", "ide_reset"])
        assert passed, log[-3000:]
        with open(trace) as f:
            resets[name] = f.read().count("ide_reset")
    assert resets["failing"] - resets["normal"] >= 3, resets
