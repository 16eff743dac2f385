"""The kernel on firmware that leaves the CPU otherwise than QEMU's and Bochs's
BIOSes do: the local APIC in x2APIC mode, moved, or software-disabled; a
reprogrammed PAT; no local APIC at all; an HPET that stops.

The emulators' BIOSes always hand over an enabled xAPIC at 0xFEE00000 and
the reset PAT, so a test build made with -DFIRMWARE_<STATE> puts the state
in place first thing in kmain (kernel/test/firmware.c), as such firmware
would have. Bochs models an x2APIC CPU (`cpuid: apic=x2apic`) and a moved
APIC; QEMU 7.2 under TCG has neither, so those runs are Bochs only.
"""
import pytest

from conftest import (assert_ticks_match_rate, assert_timer_calibrated, bake, baked_with_test_image, boot,
                      make, ready_values)

TIMER_HZ = 1000

pytestmark = pytest.mark.slow


def firmware_project(tmp_path, *states):
    """A default project whose test image pretends these firmware states."""
    project = bake(tmp_path)
    flags = " ".join("-DFIRMWARE_%s" % state for state in states)
    make(project, "test-image", "KCFLAGS=-O2 -g " + flags)
    return project


@pytest.fixture(scope="module")
def default_project(tmp_path_factory):
    """The default project with its ordinary test image."""
    return baked_with_test_image(tmp_path_factory, "firmware-default")


@pytest.fixture(scope="module")
def pat_project(tmp_path_factory):
    """A test image whose firmware left every PAT entry write-back."""
    return firmware_project(tmp_path_factory.mktemp("firmware-pat"), "PAT_WB")


def x2apic_bochsrc(project, tmp_path):
    """The project's Bochs config with a CPU that has x2APIC mode."""
    with open("%s/build/test/gen/bochsrc" % project) as handle:
        text = handle.read()
    path = tmp_path / "bochsrc-x2apic"
    path.write_text(text + "cpuid: apic=x2apic\n")
    return str(path)


def passed_run(project, emulator, options=(), extra=()):
    passed, log = boot(project, emulator, options=options, extra=extra)
    assert passed, log[-5000:]
    values = ready_values(log)
    assert_ticks_match_rate(values, TIMER_HZ)
    assert_timer_calibrated(log, TIMER_HZ)
    return log


def test_x2apic_handover_and_software_disabled_apic(tmp_path):
    """Firmware that hands over in x2APIC mode: the kernel drives the APIC
    through its MSRs (calibration, ticks, its ID). With the APIC also
    software-disabled, the error LVT is still armed (SVR enabled first;
    Bochs ignores an unmask while disabled, as the SDM says). On QEMU,
    whose CPU has no x2APIC mode, the same image runs in xAPIC mode."""
    project = firmware_project(tmp_path, "X2APIC", "APIC_SOFT_OFF")
    log = passed_run(project, "bochs", options=["--bochsrc", x2apic_bochsrc(project, tmp_path)])
    assert "[firmware] test build: local APIC switched to x2APIC mode" in log
    assert "[lapic] x2APIC mode, as the firmware left it" in log
    assert "x2APIC mode (MSRs)" in log
    assert "[test] lapic: id 0 (x2APIC), CPUID initial APIC id 0" in log
    assert "[test] lapic: error LVT armed   ok" in log
    log = passed_run(project, "qemu")
    assert "[firmware] test build: this CPU has no x2APIC mode" in log
    assert "[lapic] xAPIC mode, as the firmware left it;" in log
    assert "[test] lapic: error LVT armed   ok" in log


def test_x2apic_capable_cpu_stays_in_xapic_mode(default_project, tmp_path):
    """Where the firmware leaves xAPIC mode on an x2APIC-capable CPU, the
    kernel keeps xAPIC mode (as Linux does without interrupt remapping)."""
    project = default_project
    log = passed_run(project, "bochs", options=["--bochsrc", x2apic_bochsrc(project, tmp_path)])
    assert "[lapic] xAPIC mode, as the firmware left it (x2APIC available)" in log
    assert "[test] lapic: id 0 (xAPIC), CPUID initial APIC id 0" in log


def test_moved_apic_uses_the_msr_address(tmp_path):
    """Firmware that moved the local APIC (IA32_APIC_BASE) but left the
    MADT's address: the kernel maps the MSR's, says so, and its timer runs
    (through the MADT's address it read nothing and halted)."""
    project = firmware_project(tmp_path, "APIC_MOVED")
    log = passed_run(project, "bochs")
    assert ("[lapic] note: MADT says 0xfee00000, IA32_APIC_BASE 0xfee10000; "
            "using IA32_APIC_BASE's") in log
    assert "phys 0xfee10000 mapped uncached" in log


@pytest.mark.parametrize("emulator", ["qemu", "bochs"])
def test_reprogrammed_pat_still_maps_devices_uncached(pat_project, emulator):
    """Firmware that left every PAT entry write-back: PCD|PWT would map the
    local APIC cached. The kernel sets the PAT and says what it found."""
    log = passed_run(pat_project, emulator)
    assert "[mmio] PAT 0x7040600070406 (set; was different)" in log
    assert "[mmio] the firmware had left PAT 0x606060606060606" in log
    assert "[test] mmio: PCD|PWT is UC      ok" in log


def test_normal_boot_reports_pat_and_apic_mode(default_project):
    """On the emulators' own firmware the PAT is the reset value and the
    APIC is in xAPIC mode; the log says both."""
    project = default_project
    log = passed_run(project, "qemu")
    assert "[mmio] PAT 0x7040600070406 (as found)" in log
    assert "[lapic] xAPIC mode, as the firmware left it; IA32_APIC_BASE 0xfee00900" in log
    # No local APIC at all: a clear message instead of a garbage calibration.
    passed, log = boot(project, extra=["-cpu", "qemu64,-apic"],
                       expect="this kernel needs a local APIC for its timer")
    assert passed, log[-3000:]
    assert "CPUID reports no local APIC" in log


def test_hpet_that_stops_leaves_calibration_to_the_pit(tmp_path):
    """An HPET that counted when hpet_init looked, then stopped (an SMI
    handler or a chipset fault can clear its enable bit): calibration sees
    it stand still, says so and measures against the PIT; the timer runs at
    its rate. Without a PIT as well, the kernel halts and names both."""
    project = firmware_project(tmp_path, "HPET_STOPS")
    log = passed_run(project, "qemu")
    assert "[firmware] test build: HPET main counter stopped" in log
    assert "[hpet] the HPET does not count: no calibration against it" in log
    assert "[pit] 3 runs of 596 PIT ticks (499 us)" in log
    assert "[lapic] timer calibrated against the PIT" in log
    passed, log = boot(project, machine="pc,pit=off",
                       expect="no clock to calibrate the LAPIC timer against (the HPET stopped, "
                              "and the PIT does not count)")
    assert passed, log[-3000:]
