"""What the boot prints reaches the VGA text screen, not only COM1.

QEMU's monitor saves the 32 KiB text window at 0xB8000 once the serial log
shows the awaited line; the characters are the even bytes, 80 to a row.
The kernel's console scrolls by moving the CRT start address through that
window, so its whole boot log is still there, row after row, from the top.
"""
import os
import subprocess
import time

import pytest

from conftest import bake, image_copy, make

pytestmark = pytest.mark.slow

VGA_TEXT = 0xB8000
VGA_WINDOW = 32 * 1024
COLUMNS = 80


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A default project with its normal image (which halts after ready)."""
    path = bake(tmp_path_factory.mktemp("screen"))
    make(path)
    return path


def screen_rows(image, workdir, awaited):
    """(serial log, text rows of the VGA window) once `awaited` is on COM1."""
    log = os.path.join(str(workdir), "serial.log")
    dump = os.path.join(str(workdir), "vga.bin")
    qemu = subprocess.Popen(
        ["qemu-system-x86_64", "-machine", "pc", "-m", "128",
         "-drive", "file=%s,format=raw,if=floppy" % image, "-boot", "a",
         "-display", "none", "-serial", "file:%s" % log, "-monitor", "stdio",
         "-net", "none", "-no-reboot"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        text = ""
        while awaited not in text:
            assert time.monotonic() < deadline, "no %r on COM1:\n%s" % (awaited, text)
            time.sleep(0.05)
            if os.path.exists(log):
                with open(log, errors="replace") as f:
                    text = f.read()
        time.sleep(0.5)  # each character goes to COM1 first, then the screen
        # The file name is quoted: unquoted, a '/' reads as division.
        command = 'pmemsave 0x%x %d "%s"\nquit\n' % (VGA_TEXT, VGA_WINDOW, dump)
        qemu.communicate(command.encode(), timeout=30)
    finally:
        if qemu.poll() is None:
            qemu.kill()
            qemu.wait()
    with open(dump, "rb") as f:
        cells = f.read()
    with open(log, errors="replace") as f:
        text = f.read()
    row_bytes = 2 * COLUMNS
    rows = [cells[i:i + row_bytes:2].decode("cp437").rstrip()
            for i in range(0, len(cells), row_bytes)]
    return text, rows


def as_rows(line):
    """The screen rows a console line takes: 80 columns, then it wraps."""
    rows = [line[i:i + COLUMNS] for i in range(0, max(len(line), 1), COLUMNS)]
    if line and len(line) % COLUMNS == 0:
        rows.append("")  # the newline after a full row starts another row
    return [row.rstrip() for row in rows]


def test_kernel_boot_log_is_on_the_screen(project, tmp_path):
    """Every line the kernel logs, up to its halt, is on the screen in order."""
    log, rows = screen_rows(os.path.join(project, "build", "floppy.img"), tmp_path,
                            "kernel: halting")
    kernel_lines = log[log.index("kernel started") - len("My Kernel: "):].splitlines()
    expected = [row for line in kernel_lines for row in as_rows(line)]
    assert any(line.startswith("ready: ") for line in kernel_lines)
    assert len(expected) > 25  # enough to have scrolled the screen
    assert rows[:len(expected)] == expected


def test_loader_error_is_on_the_screen(project, tmp_path):
    """Stage2's message for a missing kernel goes to the BIOS screen too."""
    message = "stage2: KERNEL.BIN not found in the root directory"
    _, rows = screen_rows(image_copy(project, tmp_path, remove=["KERNEL.BIN"], source="build/floppy.img"), tmp_path, message)
    assert message in rows


def test_boot_sector_error_is_on_the_screen(project, tmp_path):
    """Stage1's message for a missing stage2 goes to the BIOS screen too."""
    message = "stage1: no STAGE2.BIN"
    _, rows = screen_rows(image_copy(project, tmp_path, remove=["STAGE2.BIN"], source="build/floppy.img"), tmp_path, message)
    assert message in rows
