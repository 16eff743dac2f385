"""Every CPU runs kernel code: the SMP bring-up on QEMU (pc and q35, one- and
multi-threaded TCG) and Bochs, the CPU limit, a CPU that never starts, and a
panic and a stack overflow on another CPU.

The test build's self-tests check, on the booted machine, that every listed
CPU came online, that every CPU's timer ticks, that all CPUs allocating PMM
pages and FBA blocks at once never get one another's, and that a page
unmapped on one CPU faults on another (TLB shootdown). Each case here boots
it and reads the log.
"""
import re

import pytest

from conftest import bake, baked_with_test_image, boot, make, ready_values

pytestmark = pytest.mark.slow

ONLINE_LINE = re.compile(r"\[smp\] (\d+) of (\d+) CPUs online, the last (\d+) us after the first INIT")
SELFTESTS = ["smp: every CPU online", "smp: every timer ticks", "smp: LINT0/1 wired",
             "smp: concurrent pmm+fba", "smp: TLB shootdown"]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return baked_with_test_image(tmp_path_factory, "smp")


def assert_all_online(log, cpus):
    """The ready line and the SMP self-tests agree that all `cpus` CPUs run."""
    values = ready_values(log)
    assert int(values["cpus"]) == cpus and int(values["cpus_online"]) == cpus, values
    for name in SELFTESTS:
        assert re.search(r"\[test\] %s +ok" % re.escape(name), log), (name, log[-4000:])
    if cpus > 1:
        online, started, _ = ONLINE_LINE.search(log).groups()
        assert int(online) == int(started) == cpus
        assert "after the unmap on cpu 0 (1 shootdowns): page fault" in log


@pytest.mark.parametrize("machine, cpus, threads", [
    ("q35", 2, "single"),
    ("q35", 4, "multi"),
    ("q35", 8, "multi"),
])
def test_qemu_starts_every_cpu(project, machine, cpus, threads):
    """q35 with 2, 4 and 8 CPUs, one- and multi-threaded TCG: every CPU
    comes online and the SMP self-tests pass (pc with 1, 2, 4 and 8 CPUs is
    test_machines.py's CPU-count matrix, q35 with 1 its memory matrix)."""
    passed, log = boot(project, machine=machine, cpus=cpus, extra=["-accel", "tcg,thread=" + threads])
    assert passed, log[-5000:]
    assert_all_online(log, cpus)
    # QEMU's MADT has one local APIC NMI entry: LINT1 of every processor.
    assert "[lapic] LINT0 masked, LINT1 NMI, active high (the MADT's NMI entries)" in log
    assert "LINT1 0x400: as wired" in log and "LINT1 0x10000: as wired" in log


def test_bochs_starts_four_cpus(project):
    """Bochs with cpu: count=4 brings all four up and passes the self-tests."""
    passed, log = boot(project, emulator="bochs", cpus=4)
    assert passed, log[-5000:]
    assert_all_online(log, 4)
    # Bochs's MADT lists no NMI entry: LINT1 by default, on the boot CPU.
    assert "LINT1 NMI, active high (no MADT NMI entry: the PC's wiring)" in log


def test_cpus_beyond_the_maximum_stay_halted(tmp_path):
    """With smp_max_cpus = 2 and four CPUs in the MADT, two start and the
    other two are logged and left halted; the self-tests still pass."""
    project = bake(tmp_path, smp_max_cpus="2", percpu_area_size="128K")
    make(project, "test-image")
    passed, log = boot(project, cpus=4)
    assert passed, log[-5000:]
    values = ready_values(log)
    assert (values["cpus"], values["cpus_online"]) == ("4", "2"), values
    assert len(re.findall(r"\[smp\] cpu \d \(APIC id \d\) left halted: smp_max_cpus is 2", log)) == 2, log


def test_a_cpu_that_does_not_start_is_reported(project):
    """Fault injection: the last AP gets INIT but no STARTUP. The kernel says
    which CPU did not start and boots on with the rest."""
    make(project, "test-image", "FAULT=smp_no_start")
    passed, log = boot(project, image="build/test-fault-smp_no_start/floppy.img", cpus=4)
    assert passed, log[-5000:]
    assert "[smp] cpu 3 (APIC id 3) did not start" in log
    assert ready_values(log)["cpus_online"] == "3"
    assert "[fault] smp_no_start: 3 of 4 CPUs online" in log


def test_a_panic_on_another_cpu_stops_them_all(project):
    """Fault injection: CPU 1 panics. Its message is reported, it stops the
    three other CPUs with an NMI (each says so by halting), and the run ends
    with FAIL from the kernel, not a triple fault or a hang."""
    make(project, "test-image", "FAULT=ap_panic")
    passed, log = boot(project, image="build/test-fault-ap_panic/floppy.img", cpus=4)
    assert not passed
    assert "panic: fault_inject: ap_panic on cpu 1" in log, log[-3000:]
    assert "[smp] cpu 1 stopped 3 of 3 other CPUs" in log, log[-3000:]
    assert "the kernel reported 'test: FAIL'" in log.splitlines()[-1], log[-3000:]


def test_a_stack_overflow_on_another_cpu_is_caught_there(project):
    """Fault injection: CPU 1 overflows its stack. The write lands in the
    guard page below its stack in the per-CPU area, the double fault runs on
    CPU 1's own #DF stack (its own TSS) and is reported, naming the CPU, and
    the run ends with FAIL after the other CPU is stopped."""
    make(project, "test-image", "FAULT=ap_stack_overflow")
    passed, log = boot(project, image="build/test-fault-ap_stack_overflow/floppy.img", cpus=2)
    assert not passed
    assert "[trap] unexpected #DF double fault: vector 8 (0x8), error code 0x0" in log, log[-3000:]
    assert "  on cpu 1\n" in log, log[-3000:]
    cr2 = int(re.search(r"CR2=([0-9a-f]{16}) \(the last page-fault address\)", log).group(1), 16)
    slot1 = 0xFFFFFFFF88000000 + 16 * 1024 + 24 * 1024  # percpu_area_base + one slot
    assert slot1 <= cr2 < slot1 + 4096, hex(cr2)          # its first page: the guard
    assert "[trap] per-CPU kernel stack overflow: CR2 is in its guard page" in log, log[-3000:]
    assert "[smp] cpu 1 stopped 1 of 1 other CPUs" in log
    assert "the kernel reported 'test: FAIL'" in log.splitlines()[-1]
