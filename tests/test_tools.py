"""The generated project's developer tools work: GDB, clangd, CI, formatting."""
import json
import os
import re
import socket
import subprocess
import time

import pytest
import yaml
from cookiecutter.main import cookiecutter

TEMPLATE = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A default project, built."""
    path = cookiecutter(TEMPLATE, no_input=True, output_dir=str(tmp_path_factory.mktemp("tools")))
    subprocess.run(["make", "-C", path], check=True, stdout=subprocess.DEVNULL, timeout=600)
    return path


def makefile_targets(project):
    with open(os.path.join(project, "Makefile")) as f:
        return set(re.findall(r"^\.PHONY: (\S+)", f.read(), re.M))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_gdb_stops_at_kmain(project):
    """make debug waits for GDB, and the generated gdbinit breaks in kmain."""
    port = free_port()
    qemu = subprocess.Popen(["make", "-C", project, "debug", "GDB_PORT=%d" % port],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        result = subprocess.run(
            ["gdb", "-batch", "-x", "build/gdbinit", "-ex", "kbreak kmain",
             "-ex", "continue", "-ex", "info symbol $pc", "-ex", "kill"],
            cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            universal_newlines=True, timeout=60)
    finally:
        os.killpg(qemu.pid, 9)
        qemu.wait()
    assert "Breakpoint 1, kmain" in result.stdout, result.stdout
    assert "kmain in section .text" in result.stdout, result.stdout


@pytest.mark.slow
def test_compile_commands_cover_every_kernel_source(project):
    """compile_commands.json lists each kernel C file with the kernel's flags."""
    with open(os.path.join(project, "compile_commands.json")) as f:
        database = json.load(f)
    files = {os.path.relpath(entry["file"], project) for entry in database}
    kernel_sources = {os.path.join("kernel", name)
                      for name in os.listdir(os.path.join(project, "kernel")) if name.endswith(".c")}
    assert kernel_sources <= files
    main = next(e for e in database if e["file"].endswith("kernel/main.c"))
    assert "-mcmodel=kernel" in main["arguments"]


@pytest.mark.slow
def test_ci_workflow_runs_makefile_targets(project):
    """The project's CI workflow is valid YAML and each step is a Makefile target."""
    with open(os.path.join(project, ".github", "workflows", "ci.yml")) as f:
        workflow = yaml.safe_load(f)
    steps = [step["run"] for job in workflow["jobs"].values() for step in job["steps"]
             if "run" in step]
    make_steps = [run for run in steps if run.startswith("make")]
    assert len(make_steps) >= 4
    targets = makefile_targets(project) | {"all"}
    for run in make_steps:
        words = run.split()
        target = words[1] if len(words) > 1 else "all"
        assert target in targets, run
    for target in ("host-test", "test-qemu", "test-bochs"):
        assert "make " + target in steps


@pytest.mark.slow
def test_kernel_sources_match_clang_format(project):
    """The C sources already follow the shipped .clang-format."""
    sources = [os.path.join("kernel", n) for n in sorted(os.listdir(os.path.join(project, "kernel")))
               if n.endswith((".c", ".h"))]
    result = subprocess.run(["clang-format", "--dry-run", "--Werror"] + sources, cwd=project,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True)
    assert result.returncode == 0, result.stdout[-3000:]
