"""The generated project builds cleanly and its kernel boots in QEMU and Bochs.

These tests judge the template by what it produces: they bake a project,
run its own Makefile, and read the kernel's serial log. The kernel's test
build ends the emulator itself after its "ready:" line; tools/boot.py adds a
wall-clock limit so that a hang fails instead of hanging the suite.
"""
import glob
import os
import re
import subprocess

import pytest
from cookiecutter.main import cookiecutter

TEMPLATE = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
EXAMPLES = sorted(glob.glob(os.path.join(TEMPLATE, "examples", "*.yaml")))
BOOT_TIMEOUT = 120

pytestmark = pytest.mark.slow


def bake(output_dir, config_file=None, **extra_context):
    """Generate a project; return its directory."""
    return cookiecutter(TEMPLATE, no_input=True, output_dir=str(output_dir),
                        config_file=config_file, extra_context=extra_context or None)


def make(project, *targets, check=True, **variables):
    command = ["make", "-C", str(project)] + list(targets)
    command += ["%s=%s" % item for item in variables.items()]
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True, timeout=600)
    if check:
        assert result.returncode == 0, "%s failed:\n%s" % (" ".join(command), result.stdout[-4000:])
    return result


def ready_values(log):
    """The key=value pairs of the kernel's single 'ready:' line."""
    lines = [line for line in log.splitlines() if line.startswith("ready:")]
    assert len(lines) == 1, "expected exactly one 'ready:' line in:\n" + log[-3000:]
    return dict(pair.split("=", 1) for pair in lines[0].split()[1:])


def boot(project, emulator, memory=128, cpus=1, machine="pc", extra=()):
    """Boot the project's test image; return (passed, serial log + verdict)."""
    command = ["python3", "tools/boot.py", emulator, "--image", "build/test/floppy.img",
               "--memory", str(memory), "--timeout", str(BOOT_TIMEOUT)]
    if emulator == "qemu":
        command += ["--cpus", str(cpus), "--machine", machine]
    else:
        command += ["--bochsrc", "build/test/gen/bochsrc"]
    if extra:
        command += ["--"] + list(extra)
    result = subprocess.run(command, cwd=str(project), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, universal_newlines=True,
                            timeout=BOOT_TIMEOUT + 30)
    return result.returncode == 0, result.stdout


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


def test_default_boots_in_qemu(default_project):
    """It boots to the ready line in QEMU and the kernel ends QEMU with a pass."""
    project, _ = default_project
    passed, log = boot(project, "qemu")
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
    passed, log = boot(project, "qemu", memory=memory_mib)
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
