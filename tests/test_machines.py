"""The default kernel on a matrix of machines: memory, CPUs, chipsets, ACPI.

Each case boots the test build and checks that the figures on the kernel's
ready line match the machine it was given, and that the self-tests pass.
"""
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
    assert "ticks in 10000 us timed by the TSC (10 expected at 1000 Hz)" in log


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
