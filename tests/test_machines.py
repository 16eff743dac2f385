"""The default kernel on a matrix of machines: memory, CPUs, chipsets, ACPI.

Each case boots the test build and checks that the figures on the kernel's
ready line match the machine it was given, and that the self-tests pass.
"""
import re
import struct

import pytest

from conftest import assert_ticks_match_rate, assert_timer_calibrated, bake, baked_with_test_image, boot, make, ready_values

TIMER_HZ = 1000           # the default lapic_timer_hz
QEMU_LAPIC_MHZ = 1000     # QEMU's local APIC timer counts nanoseconds

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return baked_with_test_image(tmp_path_factory, "machines")


def booted(project, **machine):
    """Boot the test image on this machine; (ready values, log)."""
    passed, log = boot(project, **machine)
    assert passed, log[-5000:]
    return ready_values(log), log


@pytest.mark.parametrize("cpus", [1, 2, 4, 8])
def test_cpu_count_matches_smp(project, cpus):
    """cpus= on the ready line is the number of CPUs QEMU was given, and
    cpus_online= says every one of them runs kernel code."""
    values, _ = booted(project, cpus=cpus)
    assert int(values["cpus"]) == cpus
    assert int(values["cpus_online"]) == cpus


@pytest.mark.parametrize("machine", ["pc", "q35"])
@pytest.mark.parametrize("memory_mib", [32, 128, 1024, 4096, 8192, 16384])
def test_memory_and_chipset(project, machine, memory_mib):
    """Both chipsets boot with 32 MiB to 16 GiB, reporting the memory they have."""
    values, _ = booted(project, memory=memory_mib, machine=machine)
    total_kib = int(values["mem_total_kib"])
    assert memory_mib * 1024 - 4096 <= total_kib <= memory_mib * 1024, values
    assert_ticks_match_rate(values, TIMER_HZ)


def test_timer_runs_at_the_configured_rate(project):
    """The LAPIC timer ticks at lapic_timer_hz, calibrated against the PIT:
    the measured bus frequency is QEMU's 1 GHz."""
    values, log = booted(project)
    assert_ticks_match_rate(values, TIMER_HZ)
    assert_timer_calibrated(log, TIMER_HZ, bus_mhz=QEMU_LAPIC_MHZ)
    assert "ticks in 5000 us timed by the TSC (5 expected at 1000 Hz)" in log


def test_machine_without_acpi(project):
    """Without ACPI the kernel says so and carries on with the MSR's LAPIC address."""
    values, log = booted(project, extra=["-no-acpi"])
    assert "[acpi] no ACPI" in log
    assert "IA32_APIC_BASE" in log
    assert int(values["cpus"]) == 1
    assert_ticks_match_rate(values, TIMER_HZ)


def test_bochs_finds_acpi_and_runs_the_timer(project):
    """Bochs has ACPI tables with a MADT, and the timer ticks there too."""
    values, log = booted(project, emulator="bochs")
    assert "[acpi] MADT" in log
    assert int(values["cpus"]) == 1
    assert_ticks_match_rate(values, TIMER_HZ)
    assert_timer_calibrated(log, TIMER_HZ)


@pytest.mark.parametrize("timer_hz", [10, 1000])
def test_timer_rates_at_the_ends_of_their_range(tmp_path, timer_hz):
    """The slowest and fastest rates lapic_timer_hz allows calibrate, count
    ten ticks over ten periods, and pass the self-tests."""
    project = bake(tmp_path, lapic_timer_hz=str(timer_hz))
    make(project, "test-image")
    values, log = booted(project)
    assert_ticks_match_rate(values, timer_hz)
    assert_timer_calibrated(log, timer_hz, bus_mhz=QEMU_LAPIC_MHZ)


def acpi_table(signature, length):
    """An ACPI table of `length` bytes: a header and a byte pattern, checksummed."""
    header = struct.pack("<4sIBB6s8sIII", signature, length, 1, 0, b"TESTS ", b"MANYTBLS",
                         1, 0x54534554, 1)
    table = bytearray(header + bytes((i * 7) & 0xFF for i in range(length - len(header))))
    table[9] = (-sum(table)) & 0xFF
    return bytes(table)


def test_many_and_large_acpi_tables(project, tmp_path):
    """Firmware that lists many tables, one of 64 KiB (QEMU's largest) and
    ten of more than a page each, after the MADT and HPET: every table is
    checked and named, none is skipped for want of room in the 8-page ACPI
    area, and the MADT (2 CPUs) and the HPET are still used."""
    tables = [("SSDT", 65535)] + [("OEM%d" % i, 5000 + i) for i in range(10)]
    options = []
    for signature, length in tables:
        path = tmp_path / ("%s.bin" % signature)
        path.write_bytes(acpi_table(signature.encode(), length))
        options += ["-acpitable", "file=%s" % path]
    values, log = booted(project, cpus=2, extra=options)
    assert "15 of 15 tables valid" in log, log[-5000:]
    assert ", skipped" not in log and "????" not in log
    for signature, length in tables:
        assert re.search(r"^\[acpi\]   %s at 0x[0-9a-f]+, %d bytes$" % (signature, length),
                         log, re.M), signature
    assert int(values["cpus"]) == 2
    assert "[acpi] HPET: registers at 0xfed00000" in log


@pytest.mark.parametrize("machine, clock", [("pc", "HPET"), ("q35", "HPET"),
                                            ("pc,hpet=off", "PIT"), ("pc,pit=off", "HPET")])
def test_calibration_clock(project, machine, clock):
    """The LAPIC timer is calibrated against the HPET that ACPI lists (its
    period read from its capabilities register), else the PIT; the log says
    which. A machine without a PIT (whose polling used to hang the boot)
    calibrates against the HPET."""
    values, log = booted(project, machine=machine)
    assert "[lapic] timer calibrated against the %s" % clock in log
    if clock == "HPET":
        assert "period 10000000 fs (100.000000 MHz)" in log
        assert "[hpet] 3 runs of 50000 HPET ticks (500 us)" in log
    else:
        assert "[pit] 3 runs of 596 PIT ticks (499 us)" in log
    assert_ticks_match_rate(values, TIMER_HZ)
    assert_timer_calibrated(log, TIMER_HZ, bus_mhz=QEMU_LAPIC_MHZ)


def test_no_clock_to_calibrate_against(project):
    """Neither an HPET nor a counting PIT: the bounded waits give up and the
    kernel says why, instead of polling the PIT for ever."""
    passed, log = boot(project, machine="pc,hpet=off,pit=off",
                       expect="no clock to calibrate the LAPIC timer against")
    assert passed, log[-3000:]
    assert "[pit] the PIT does not count: no calibration against it" in log
