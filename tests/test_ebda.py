"""The EBDA is the BIOS's: nothing the loader or the kernel writes lies at or
above its start, during boot or after.

A real machine's EBDA (with option ROMs' reservations) may start as low as
608 KiB (0x98000); QEMU's and Bochs's start at 0x9FC00. The fault-injection
loader build LOADER_FAULT=EBDA_608K makes INT 12h report 608 KiB and fills the
memory from there up to the BIOS's own EBDA with a pattern. The default layout
must boot on it, and the pattern must be intact once the kernel has run.
"""
import os
import socket
import subprocess
import time

import pytest

from conftest import BOOT_TIMEOUT, baked_with_test_image, boot, make

pytestmark = pytest.mark.slow

EBDA_608K = 0x98000
PATTERN = b"EBDA"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return baked_with_test_image(tmp_path_factory, "ebda")


def build(project, kernel_test):
    """The EBDA_608K loader with a test-mode or a normal kernel; returns the image path."""
    name = "build/test-ebda-608k" if kernel_test else "build/ebda-608k"
    arguments = ["BUILD=" + name, "LOADER_FAULT=EBDA_608K", name + "/floppy.img"]
    make(project, *(["KERNEL_TEST=1"] if kernel_test else []) + arguments)
    return os.path.join(project, name, "floppy.img")


@pytest.mark.parametrize("emulator", ["qemu", "bochs"])
def test_default_layout_boots_with_608k_of_conventional_memory(project, emulator):
    """With INT 12h reporting 608 KiB, stage2's low-memory check passes and the
    test kernel boots and passes its self-tests."""
    passed, log = boot(project, emulator, image=build(project, kernel_test=True))
    assert passed, log
    assert "not enough conventional memory" not in log


def read_text(path):
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("ascii", "replace")
    except FileNotFoundError:
        return ""


def qemu_memory_after_halt(image, tmp_path, start, size):
    """Boot a normal (halting) kernel in QEMU; once it says it is halting,
    save guest physical [start, start + size) through the monitor."""
    log, sock, dump = tmp_path / "serial.log", tmp_path / "monitor.sock", tmp_path / "dump.bin"
    command = ["qemu-system-x86_64", "-machine", "pc", "-m", "128", "-display", "none",
               "-drive", "file=%s,format=raw,if=floppy" % image, "-boot", "a", "-net", "none",
               "-no-reboot", "-serial", "file:%s" % log, "-monitor", "unix:%s,server,nowait" % sock]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + BOOT_TIMEOUT
        while "kernel: halting" not in read_text(log):
            assert process.poll() is None, "QEMU exited:\n" + read_text(log)
            assert time.monotonic() < deadline, "no halt:\n" + read_text(log)
            time.sleep(0.05)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as monitor:
            monitor.connect(str(sock))
            monitor.sendall(b"pmemsave 0x%x 0x%x \"%s\"\nquit\n" % (start, size, str(dump).encode()))
            process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return read_text(log), dump.read_bytes()


def test_nothing_written_between_608k_and_the_ebda(project, tmp_path):
    """After the loader and the kernel have run (the kernel halted after its
    ready line), the pattern between 608 KiB and QEMU's EBDA is untouched:
    no loader structure, page table or PMM page was written there."""
    qemu_ebda = 0x9FC00
    log, memory = qemu_memory_after_halt(build(project, kernel_test=False), tmp_path,
                                         EBDA_608K, qemu_ebda - EBDA_608K)
    assert "ready:" in log, log
    assert len(memory) == qemu_ebda - EBDA_608K
    changed = [EBDA_608K + i for i in range(0, len(memory), 4) if memory[i:i + 4] != PATTERN]
    assert changed == [], "written below the EBDA: %s ..." % ", ".join(hex(a) for a in changed[:8])
