"""The generated project's developer tools work: GDB, clangd, CI, formatting."""
import json
import os
import re
import socket
import subprocess
import time

import pytest
import yaml

from conftest import bake, make


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A default project, built."""
    path = bake(tmp_path_factory.mktemp("tools"))
    make(path)
    return path


def makefile_targets(project):
    with open(os.path.join(project, "Makefile")) as f:
        return set(re.findall(r"^\.PHONY: (\S+)", f.read(), re.M))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gdb_session(project, commands):
    """Start `make debug`, run GDB in batch mode with the generated gdbinit
    and these commands; return GDB's output."""
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
        command = ["gdb", "-batch", "-x", "build/gdbinit"]
        for line in commands + ["kill"]:
            command += ["-ex", line]
        result = subprocess.run(command, cwd=project, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, universal_newlines=True, timeout=60)
    finally:
        os.killpg(qemu.pid, 9)
        qemu.wait()
    return result.stdout


@pytest.mark.slow
def test_gdb_stops_at_kmain(project):
    """make debug waits for GDB, and the generated gdbinit breaks in kmain."""
    out = gdb_session(project, ["kbreak kmain", "continue", "info symbol $pc"])
    assert "Breakpoint 1, kmain" in out, out
    assert "kmain in section .text" in out, out


@pytest.mark.slow
def test_gdb_knows_the_loader_labels(project):
    """The loader's labels are loaded too: a breakpoint on a stage2 label hits there."""
    out = gdb_session(project, ["lbreak kernel_load", "continue", "p/x $pc == (long)&kernel_load",
                                "p/x (long)&stage1_start"])
    assert "Breakpoint 1, 0x" in out, out
    assert "$1 = 0x1" in out, out
    assert re.search(r"\$2 = 0x7c[0-9a-f]{2}", out), out


@pytest.mark.slow
def test_bochs_debugger_stops_at_magic_breakpoint(tmp_path):
    """make run-bochs-debug stops at bochs_break() in the kernel, in the debugger."""
    path = bake(tmp_path)
    main_c = os.path.join(path, "kernel", "main.c")
    with open(main_c) as f:
        source = f.read()
    marker = "  console_init("
    assert marker in source
    with open(main_c, "w") as f:
        f.write(source.replace(marker, "  bochs_break();\n" + marker, 1))
    result = subprocess.run(["make", "-C", path, "run-bochs-debug"], input="c\nr\nq\n",
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True, timeout=120)
    assert "Magic breakpoint" in result.stdout, result.stdout[-3000:]
    rip = re.search(r"rip: ([0-9a-f]{8})_([0-9a-f]{8})", result.stdout)
    assert rip and rip.group(1) == "ffffffff", result.stdout[-3000:]


@pytest.mark.slow
def test_compile_commands_cover_every_kernel_source(project):
    """compile_commands.json lists each kernel C file, in every folder, with the kernel's flags, and each host test."""
    with open(os.path.join(project, "compile_commands.json")) as f:
        database = json.load(f)
    files = {os.path.relpath(entry["file"], project) for entry in database}
    kernel_sources = {os.path.relpath(os.path.join(folder, name), project)
                      for folder, _, names in os.walk(os.path.join(project, "kernel"))
                      for name in names if name.endswith(".c")}
    host_sources = {os.path.relpath(os.path.join(folder, name), project)
                    for folder, _, names in os.walk(os.path.join(project, "tests", "host"))
                    for name in names if name.endswith(".c")}
    assert os.path.join("kernel", "mm", "pmm.c") in kernel_sources
    assert kernel_sources | host_sources <= files
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
    """The kernel, UEFI loader and test C sources, in every folder, already follow the shipped
    .clang-format."""
    sources = sorted(os.path.relpath(os.path.join(folder, n), project)
                     for top in ("kernel", "boot", "tests")
                     for folder, _, names in os.walk(os.path.join(project, top))
                     for n in names if n.endswith((".c", ".h")))
    assert any(s.startswith(os.path.join("kernel", "mm")) for s in sources)
    result = subprocess.run(["clang-format", "--dry-run", "--Werror"] + sources, cwd=project,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True)
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.slow
def test_memory_benchmark_runs(project):
    """The project's memory benchmark script runs and prints its figures (it
    measures; this only checks it still works)."""
    result = subprocess.run(["python3", "tools/bench_mm.py", "--runs", "1", "--memory", "128"],
                            cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert re.search(r"pmm alloc\+free .*: [\d.]+ ns/op", result.stdout), result.stdout
    assert re.search(r"fba alloc\+free .*: [\d.]+ ns/op", result.stdout), result.stdout
    assert re.search(r"128 MiB: [\d.]+ s", result.stdout), result.stdout


@pytest.mark.slow
def test_template_benchmark_runs():
    """The template's benchmark (tools/bench.py) runs and prints every figure
    its README table shows. It measures; this only checks it still works."""
    from conftest import ROOT
    result = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tools", "bench.py"),
                             "--runs", "1"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:]
    rows = [r"%s, %s: boot to `ready` \| [\d.]+ s \| [\d.]+ s \| [\d.]+" % (emulator, medium)
            for emulator in ("QEMU", "Bochs") for medium in ("floppy", r"hard disk \(IDE\)", "CD")]
    for row in rows + [r"QEMU \+ OVMF \(q35\): boot to `ready` .*\| [\d.]+ s \| [\d.]+ s \| [\d.]+",
                       r"boot to the kernel's first line \(the loader's share\) \| [\d.]+ s \| [\d.]+ s",
                       r"8 GiB \| [\d.]+ s", r"generate \+ build \(make -j2\) \| [\d.]+ s",
                       r"kernel +\d+ +\d+ +[\d.]+%", r"mbr +\d+ +440 +[\d.]+%",
                       r"pmm alloc\+free .*: [\d.]+ ns/op"]:
        assert re.search(row, result.stdout), (row, result.stdout)
