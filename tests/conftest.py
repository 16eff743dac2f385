"""Shared fixtures for the template tests.

The fast tier (hook rules, baking, rendering) needs only cookiecutter,
pytest-cookies and hypothesis. Slow tests (build and boot) carry the `slow`
marker registered in pytest.ini.
"""

import glob
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATE_DIR = os.path.join(ROOT, "{{cookiecutter.project_slug}}")
LAYOUT_PY = os.path.join(TEMPLATE_DIR, "tools", "layout.py")
LAYOUT_GEN_PY = os.path.join(TEMPLATE_DIR, "tools", "layout_gen.py")
PRE_GEN_HOOK = os.path.join(ROOT, "hooks", "pre_gen_project.py")
POST_GEN_HOOK = os.path.join(ROOT, "hooks", "post_gen_project.py")
EXAMPLES = sorted(glob.glob(os.path.join(ROOT, "examples", "*.yaml")))
INVALID_EXAMPLES = sorted(glob.glob(os.path.join(ROOT, "examples", "invalid", "*.yaml")))
COOKIECUTTER_CLI = "/usr/bin/cookiecutter" if os.path.exists("/usr/bin/cookiecutter") else "cookiecutter"


def load_module(name, path):
    """Import a file as a module without touching sys.path."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LAYOUT = load_module("template_layout", LAYOUT_PY)
LAYOUT_GEN = load_module("template_layout_gen", LAYOUT_GEN_PY)


def example_id(path):
    return os.path.splitext(os.path.basename(path))[0]


def read_example(path):
    """The default_context of an example config file."""
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)["default_context"]


def cookiecutter_defaults():
    with open(os.path.join(ROOT, "cookiecutter.json"), encoding="utf-8") as handle:
        return json.load(handle)


def context_with(**overrides):
    """The default parameter strings (slug derived) with some replaced."""
    values = dict(LAYOUT.DEFAULTS)
    values.update(overrides)
    return values


def project_dir(result):
    """The baked project's path from a pytest-cookies result (0.4.0: .project, 0.6+: .project_path)."""
    path = getattr(result, "project_path", None) or getattr(result, "project", None)
    return str(path)


def text_files(root):
    """(relative path, text) of every UTF-8 file under root."""
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            try:
                with open(path, encoding="utf-8") as handle:
                    yield os.path.relpath(path, root), handle.read()
            except UnicodeDecodeError:
                continue


def leftover_jinja(root):
    """Files that still contain cookiecutter template text after baking."""
    return [rel for rel, text in text_files(root) if "{{ cookiecutter." in text or "{{cookiecutter." in text
            or "{%" in text]


def run_cli(args, home, cwd=None):
    """Run the cookiecutter command line with HOME isolated; returns CompletedProcess."""
    env = dict(os.environ, HOME=str(home))
    return subprocess.run([COOKIECUTTER_CLI] + list(args), cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=120)


@pytest.fixture
def layout():
    """tools/layout.py of the template tree, imported from its file."""
    return LAYOUT


@pytest.fixture
def isolated_home(tmp_path, monkeypatch):
    """A HOME of its own so cookiecutter's replay files stay out of the user's."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture
def template():
    return ROOT


@pytest.fixture
def python():
    """A Python interpreter for running hooks and tools as the generated project would."""
    return "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


# ---------------------------------------------------------------- build and boot
# Shared by the slow tests: they judge the template by what a baked project
# builds and how its kernel boots.

BOOT_TIMEOUT = 120


def bake(output_dir, config_file=None, **extra_context):
    """Generate a project with cookiecutter's API; return its directory."""
    from cookiecutter.main import cookiecutter
    return cookiecutter(ROOT, no_input=True, output_dir=str(output_dir),
                        config_file=config_file, extra_context=extra_context or None)


def make(project, *arguments, check=True):
    """Run make in a project; with check, fail the test with its output."""
    command = ["make", "-C", str(project)] + list(arguments)
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True, timeout=600)
    if check:
        assert result.returncode == 0, "%s failed:\n%s" % (" ".join(command), result.stdout[-4000:])
    return result


def boot(project, emulator="qemu", image="build/test/floppy.img", memory=128, cpus=1,
         machine="pc", expect=None, halts=False, options=(), extra=()):
    """Boot an image with the project's tools/boot.py; return (passed, output).

    The output is the serial log followed by boot.py's verdict line. expect
    and halts are boot.py's --expect/--halts; options are more boot.py
    options; extra are QEMU arguments."""
    command = ["python3", "tools/boot.py", emulator, "--image", image,
               "--memory", str(memory), "--timeout", str(BOOT_TIMEOUT)]
    command += ["--cpus", str(cpus)]
    if emulator == "qemu":
        command += ["--machine", machine]
    else:
        command += ["--bochsrc", "build/test/gen/bochsrc"]
    if expect:
        command += ["--expect", expect]
    if halts:
        command.append("--halts")
    command += list(options)
    if extra:
        command += ["--"] + list(extra)
    result = subprocess.run(command, cwd=str(project), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, universal_newlines=True,
                            timeout=BOOT_TIMEOUT + 60)
    return result.returncode == 0, result.stdout


MTOOLS_ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1")


def image_copy(project, tmp_path, remove=(), add=(), source="build/test/floppy.img"):
    """A copy of a project's floppy or disk image with files removed and (name, bytes) pairs added."""
    image = str(tmp_path / os.path.basename(source))
    shutil.copy(os.path.join(project, source), image)
    # The hard-disk image's FAT volume is its partition at 1 MiB.
    volume = image + "@@1M" if source.endswith("disk.img") else image
    for name in remove:
        subprocess.run(["mdel", "-i", volume, "::" + name], check=True, env=MTOOLS_ENV)
    for name, data in add:
        path = tmp_path / name
        path.write_bytes(data)
        subprocess.run(["mcopy", "-o", "-i", volume, str(path), "::" + name],
                       check=True, env=MTOOLS_ENV)
    return image


def baked_with_test_image(tmp_path_factory, name):
    """A default project, baked under a fresh directory, with its test image built."""
    path = bake(tmp_path_factory.mktemp(name))
    make(path, "test-image")
    return path


TICK_CHECK_PERIODS = 5  # the kernel counts ticks over 5 timer periods (main.c)
TIMER_LINE = re.compile(r"\[lapic\] bus frequency (\d+)\.(\d+) MHz; timer periodic at (\d+) Hz "
                        r"\(divide by (\d+), initial count (\d+)\)")


def assert_ticks_match_rate(values, timer_hz):
    """ticks= on the ready line says the LAPIC timer runs and raises its interrupt.

    The kernel counts ticks over TICK_CHECK_PERIODS periods. A dead timer
    gives 0 and one running twice too fast 10. QEMU under TCG can drop ticks,
    never add them, when the host holds up its main loop: with the host busy
    building, 4 of 10 were seen lost. It may count one extra at the window's
    edge. Hence 2..6 here; the rate itself is checked through the
    calibration (assert_timer_calibrated), which host load does not skew.
    """
    assert int(values["timer_hz"]) == timer_hz, values
    ticks = int(values["ticks"])
    assert TICK_CHECK_PERIODS // 2 <= ticks <= TICK_CHECK_PERIODS + 1, values


def assert_timer_calibrated(log, timer_hz, bus_mhz=None):
    """The boot log's timer line: the initial count gives timer_hz from the
    measured bus frequency, and that frequency is the emulator's (QEMU's
    local APIC timer runs at 1 GHz) within 3 %."""
    match = TIMER_LINE.search(log)
    assert match, log[-3000:]
    mhz, fraction, hz, divisor, count = match.groups()
    bus_hz = int(mhz) * 10**6 + int(fraction.ljust(6, "0")[:6])
    assert int(hz) == timer_hz, match.group(0)
    assert abs(int(count) - bus_hz // int(divisor) // timer_hz) <= 1, match.group(0)
    if bus_mhz is not None:
        assert abs(bus_hz / 1e6 - bus_mhz) <= 0.03 * bus_mhz, match.group(0)


def ready_values(log):
    """The key=value pairs of the kernel's single 'ready:' line."""
    lines = [line for line in log.splitlines() if line.startswith("ready:")]
    assert len(lines) == 1, "expected exactly one 'ready:' line in:\n" + log[-3000:]
    return dict(pair.split("=", 1) for pair in lines[0].split()[1:])
