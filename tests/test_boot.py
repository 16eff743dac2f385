"""The generated project builds cleanly and its kernel boots in QEMU and Bochs.

These tests judge the template by what it produces: they bake a project,
run its own Makefile, and read the kernel's serial log. The kernel's test
build ends the emulator itself after its "ready:" line; tools/boot.py adds a
wall-clock limit so that a hang fails instead of hanging the suite.
"""
import glob
import os
import re
import struct

import pytest

from conftest import LAYOUT, ROOT, bake, boot, make, ready_values

EXAMPLES = sorted(glob.glob(os.path.join(ROOT, "examples", "*.yaml")))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def default_project(tmp_path_factory):
    """The default project, baked once, with its normal and test images built."""
    project = bake(tmp_path_factory.mktemp("default"))
    build = make(project)
    make(project, "test-image")
    return project, build.stdout


def test_default_builds_without_warnings(default_project):
    """It builds the default project with -Werror and prints no warning."""
    project, output = default_project
    assert "warning" not in output.lower(), output
    assert os.path.getsize(os.path.join(project, "build", "floppy.img")) == 1474560


def test_size_report_lists_every_part(default_project):
    """It reports each boot part against its area, all within bounds."""
    project, _ = default_project
    report = make(project, "size").stdout
    for part in ("stage1", "stage2", "kernel", "bss"):
        assert re.search(r"^%s\s+\d+\s+\d+" % part, report, re.M), report


PT_LOAD = 1
PF_X, PF_W = 1, 2


def elf_load_segments(path):
    """(vaddr, paddr, filesz, memsz, flags) of each PT_LOAD header of a 64-bit ELF file."""
    with open(path, "rb") as handle:
        data = handle.read()
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    segments = []
    for i in range(phnum):
        kind, flags, _off, vaddr, paddr, filesz, memsz, _align = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + i * phentsize)
        if kind == PT_LOAD:
            segments.append((vaddr, paddr, filesz, memsz, flags))
    return segments


def test_kernel_elf_program_headers_are_sound(default_project):
    """kernel.elf's loadable segments read right in any ELF tool: no memory
    size wraps around, none overlaps another, only the text is executable and
    it is not writable, and the BSS is a segment of its own at kernel_bss_base
    with no file bytes."""
    project, _ = default_project
    segments = elf_load_segments(os.path.join(project, "build", "kernel", "kernel.elf"))
    for vaddr, paddr, filesz, memsz, flags in segments:
        assert filesz <= memsz < 1 << 32 and vaddr + memsz <= 1 << 64, segments
    for i, a in enumerate(segments):
        for b in segments[i + 1:]:
            assert a[0] + a[3] <= b[0] or b[0] + b[3] <= a[0], (a, b)
            assert a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1], (a, b)
    executable = [s for s in segments if s[4] & PF_X]
    assert len(executable) == 1 and not executable[0][4] & PF_W
    bss_base = LAYOUT.parse_layout(dict(LAYOUT.DEFAULTS))[0].kernel_bss_base  # resolves auto
    bss = [s for s in segments if s[1] == bss_base]
    assert len(bss) == 1 and bss[0][2] == 0 and 0 < bss[0][3] <= 64 * 1024, segments


def test_default_boots_in_qemu(default_project):
    """It boots to the ready line in QEMU and the kernel ends QEMU with a pass."""
    project, _ = default_project
    passed, log = boot(project)
    assert passed, log
    assert "stage2: entering long mode" in log
    assert re.search(r"^\[e820\]\s+0x[0-9a-f]{16}-0x[0-9a-f]{16} usable", log, re.M), log


def test_default_boots_in_bochs(default_project):
    """It boots to the ready line in Bochs."""
    project, _ = default_project
    passed, log = boot(project, "bochs")
    assert passed, log
    ready_values(log)


def test_make_test_target_passes(default_project):
    """The project's own `make test` (host tests, QEMU, Bochs) passes."""
    project, _ = default_project
    make(project, "test")


@pytest.mark.parametrize("memory_mib", [32, 128, 512, 4096, 8192])
def test_memory_total_matches_the_machine(default_project, memory_mib):
    """mem_total_kib counts the emulator's RAM, less what the BIOS keeps."""
    project, _ = default_project
    passed, log = boot(project, memory=memory_mib)
    assert passed, log
    total_kib = int(ready_values(log)["mem_total_kib"])
    given_kib = memory_mib * 1024
    # The BIOS keeps the VGA/ROM hole (384 KiB), the EBDA and a little at
    # the top of low RAM; nothing more than a few MiB.
    assert given_kib - 4096 <= total_kib <= given_kib, (total_kib, given_kib)


@pytest.mark.parametrize("example", EXAMPLES, ids=[os.path.basename(e)[:-5] for e in EXAMPLES])
def test_example_builds_and_boots(tmp_path, example):
    """Every example layout builds and boots in QEMU and Bochs."""
    project = bake(tmp_path, config_file=example)
    make(project, "test-image")
    for emulator in ("qemu", "bochs"):
        passed, log = boot(project, emulator)
        assert passed, "%s in %s:\n%s" % (os.path.basename(example), emulator, log)


def test_kernel_areas_at_their_floors_build_and_boot(tmp_path):
    """The floors the rules enforce are real: the kernel fits a stack, BSS
    and load area of exactly their minimum sizes, and its self-tests pass."""
    L = LAYOUT
    load = 0x120000
    project = bake(tmp_path, kernel_stack_size="8K", kernel_bss_size="%dK" % (L.KERNEL_BSS_MIN // 1024),
                   kernel_load_addr=hex(load), kernel_area_end=hex(load + L.KERNEL_LOAD_MIN))
    make(project, "test-image")
    passed, log = boot(project)
    assert passed, log
