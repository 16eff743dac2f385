"""The kernel answers its own faults with a report and a clean stop.

Each case is a fault-injection build of one baked project (`make test-image
FAULT=name`, in build/test-fault-NAME): after the ready line
kernel/test/fault_inject.c divides by zero, writes to an unmapped page, writes to
its own text, jumps into data, overflows the kernel stack into its guard
page, or drains the PMM or the FBA. A CPU exception must be reported (vector,
name, error code, RIP, registers, CR2) and end QEMU with the FAIL status; an
exhausted allocator must return 0/NULL, say "out of memory", get everything
back and end with PASS. tools/boot.py runs QEMU with -no-reboot and
-d cpu_reset, so a triple fault or a reboot fails the run. The memory cases
boot the normal test image with the least RAM that works and with less than
the kernel's documented minimum.
"""
import subprocess

import pytest

from conftest import bake
from conftest import boot as boot_image

FAULTS = ["divide", "page_fault", "write_text", "exec_data", "exec_page_table", "stack_overflow",
          "pmm_exhaust", "fba_exhaust", "automap", "automap_reenter", "map_page_table_slot"]
MEMORY = 16          # MiB: small, so the exhaustion cases are quick
TRAP_FIELDS = ["RIP=0008:", "RFLAGS=", "RSP=0010:", "RAX=", "R15=", "CR3=", "[trap] halted"]

pytestmark = pytest.mark.slow


def start_build(project, fault=None):
    command = ["make", "-C", project, "-j4", "test-image"]
    if fault:
        command.append("FAULT=" + fault)
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True)


def finish(process):
    output = process.communicate(timeout=600)[0]
    assert process.returncode == 0, output[-4000:]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A default project with its normal image (for the halt check), its
    test image and every fault image built. The normal build goes first: it
    writes build/gen, which every other make reads; the rest run in parallel,
    each in a build directory of its own."""
    path = bake(tmp_path_factory.mktemp("kfaults"))
    finish(subprocess.Popen(["make", "-C", path, "-j4"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, universal_newlines=True))
    builds = [start_build(path)] + [start_build(path, fault) for fault in FAULTS]
    for process in builds:
        finish(process)
    return path


@pytest.fixture(scope="module")
def no_automap_project(tmp_path_factory):
    """A project with the automap debug area switched off."""
    path = bake(tmp_path_factory.mktemp("noauto"), automap_enabled="n")
    finish(start_build(path, "automap"))
    return path


def boot(project, image, memory=MEMORY, expect=None, halts=False, extra=()):
    """Boot an image in QEMU with little memory; (passed, serial log + verdict)."""
    return boot_image(project, image=image, memory=memory, expect=expect, halts=halts,
                      extra=extra)


def fault_image(fault):
    return "build/test-fault-%s/floppy.img" % fault


def assert_reported_and_failed(log, fault):
    """The fault came after the ready line, was reported once, and the kernel
    ended QEMU itself with FAIL: no triple fault, no reboot, no hang."""
    assert log.count("ready:") == 1 and log.count("stage2: started") == 1, log
    assert "[fault] injecting %s" % fault in log, log
    for field in TRAP_FIELDS:
        assert log.count(field) == 1, "%r not reported once:\n%s" % (field, log[-3000:])
    assert "test: FAIL" in log, log
    # boot.py says this only when QEMU exited on its own without a reset.
    assert "the kernel reported 'test: FAIL'" in log.splitlines()[-1], log[-3000:]


@pytest.mark.parametrize("fault, expected", [
    ("divide", ["[trap] unexpected #DE divide error: vector 0 (0x0), error code 0x0"]),
    ("page_fault", ["[trap] unexpected #PF page fault: vector 14 (0xe), error code 0x2",
                    "(not present, write, kernel)",
                    ": outside the automap area"]),
    ("write_text", ["#PF page fault: vector 14 (0xe), error code 0x3",
                    "(protection, write, kernel)"]),
    ("exec_data", ["#PF page fault: vector 14 (0xe), error code 0x11",
                   "(protection, read, kernel, instruction fetch)"]),
    ("exec_page_table", ["#PF page fault: vector 14 (0xe), error code 0x11",
                         "(protection, read, kernel, instruction fetch)"]),
    ("stack_overflow", ["[trap] unexpected #DF double fault: vector 8 (0x8), error code 0x0",
                        "[trap] kernel stack overflow: CR2 is in its guard page"]),
])
def test_exception_is_reported_and_ends_the_run(project, fault, expected):
    """It reports an injected exception with the CPU state and stops with FAIL."""
    passed, log = boot(project, fault_image(fault))
    assert not passed
    assert_reported_and_failed(log, fault)
    for text in expected:
        assert text in log, "%r missing:\n%s" % (text, log[-3000:])


def test_page_fault_report_names_the_address(project):
    """The #PF report's CR2 is the address the kernel wrote to, and RIP is in
    the kernel's text."""
    _, log = boot(project, fault_image("write_text"))
    cr2 = [line for line in log.splitlines() if line.strip().startswith("CR2=")][0]
    rip = [line for line in log.splitlines() if "RIP=0008:" in line][0]
    text = [line for line in log.splitlines() if line.startswith("[paging] kernel text")][0]
    start, end = [int(word, 16) for word in text.split()[3].split("-")]
    assert start <= int(cr2.split("=")[1].split()[0], 16) <= end, log
    assert start <= int(rip.split(":")[1].split()[0], 16) <= end, log


@pytest.mark.parametrize("fault, allocator", [("pmm_exhaust", "pmm"), ("fba_exhaust", "fba")])
def test_exhaustion_says_so_and_recovers(project, fault, allocator):
    """Draining an allocator is an expected failure: it returns 0/NULL, logs
    'out of memory', takes everything back and the run passes (QEMU exit 33)."""
    passed, log = boot(project, fault_image(fault))
    assert passed, log[-3000:]
    assert "[pmm] out of memory: all " in log
    if allocator == "fba":
        assert "[fba] out of memory (no PMM page to back a block)" in log
    assert "[fault] %s: all " % fault in log and "(as before)" in log, log[-3000:]
    assert "[trap]" not in log


def test_mapping_into_the_page_table_slot_is_refused(project):
    """paging_map refuses an address in the recursive page-table slot (its
    "pages" are the live page tables) with a panic, and the run fails."""
    passed, log = boot(project, fault_image("map_page_table_slot"))
    assert not passed
    assert "panic: paging_map: 0xffffff0000001000 lies in PML4 slot 510, which the page tables use" in log, \
        log[-3000:]
    assert "a page went into the page tables" not in log


def test_page_fault_inside_the_automap_handler_is_reported(project):
    """A page fault taken while an automap fault is being handled (here the
    PMM's state page is unmapped, so the handler's pmm_alloc_page faults) is
    reported as such and ends the run, instead of being handled on top of
    half-changed PMM and mapper state."""
    passed, log = boot(project, fault_image("automap_reenter"))
    assert not passed
    assert ("[paging] page fault at 0xffffff8000000020 while the automap fault at 0xffffffff80400000 "
            "was being handled: not automapped") in log, log[-3000:]
    assert "[trap] unexpected #PF page fault" in log and "the write was served" not in log


def test_automap_serves_a_fault_when_on(project):
    """With automap on, a write in the automap area is served and the run passes."""
    passed, log = boot(project, fault_image("automap"))
    assert passed, log[-3000:]
    assert "[fault] automap: the write at " in log and "was served" in log


def test_automap_off_reports_the_fault(no_automap_project):
    """With automap off, the same write is a reported page fault."""
    passed, log = boot(no_automap_project, fault_image("automap"))
    assert not passed
    assert_reported_and_failed(log, "automap")
    assert ": automap is off (layout.cfg)" in log
    assert "(not present, write, kernel)" in log


def test_boot_log_shows_protections(project):
    """The boot log states the kernel's page rights and where the guard page is."""
    passed, log = boot(project, "build/test/floppy.img")
    assert passed, log[-3000:]
    assert "read-only NX, data+bss writable NX" in log
    assert "(60 KiB usable), guard page at 0xffffffff80100000" in log


def test_cpu_without_nx_boots(project):
    """On a CPU without NX the kernel says so and boots with the other
    protections (and writable data stays executable)."""
    passed, log = boot(project, "build/test/floppy.img", extra=["-cpu", "qemu64,-nx"])
    assert passed, log[-3000:]
    assert "[paging] this CPU has no NX" in log
    assert "rodata" in log and "read-only NX" not in log


def test_smallest_memory_boots(project):
    """3 MiB, the least whole-MiB QEMU size above the kernel's minimum (512 KiB
    above the first 2 MiB), boots and passes the self-tests."""
    passed, log = boot(project, "build/test/floppy.img", memory=3)
    assert passed, log[-3000:]


@pytest.mark.parametrize("memory, message", [
    # Not even RAM for the kernel's own areas: stage2 stops before copying.
    ("1M", "stage2: not enough memory: the BIOS reports 0x00000000 KiB above 1 MiB"),
    ("2M", "the kernel's areas need 0x00000400"),
    # The kernel loads, but too little is left above 2 MiB for its allocators.
    ("2560K", "pmm_init: not enough memory: found 384 KiB"),
])
def test_below_minimum_says_not_enough_memory(project, memory, message):
    """With less RAM than the minimum the loader or the kernel says how much it
    found and how much it needs, and stays halted (no reboot loop)."""
    passed, log = boot(project, "build/floppy.img", expect="not enough memory", halts=True,
                       extra=["-m", memory])
    assert passed, log[-3000:]
    assert message in log, log[-3000:]
