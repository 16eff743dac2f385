"""README.md and CI agree on how to set up and test, and the READMEs' commands run.

Every `cookiecutter` command in the template's README is run here (fast
tier: baking), including the refused one whose output the README shows;
every `make` command in the generated project's README is run on a baked
project (slow tier: building and booting), so the documentation cannot
drift from what the template does.
"""
import os
import re
import shlex
import signal
import subprocess
import threading
import time

import pytest

from conftest import COOKIECUTTER_CLI, ROOT, bake

PROMPT_ANSWERS = "\n" * 100     # Enter at every prompt keeps the defaults


def readme_text(path=os.path.join(ROOT, "README.md")):
    with open(path, encoding="utf-8") as f:
        return f.read()


def readme_commands():
    return re.findall(r"```sh\n(.+?)\n```", readme_text(), re.S)


def test_readme_opens_with_the_two_commands():
    """The first two code blocks are the run command and the test command."""
    commands = readme_commands()
    assert "cookiecutter --no-input" in commands[0] and "make" in commands[0]
    assert "pytest" in commands[1]
    assert all(command.startswith("tools/setup-debian && ") for command in commands[:2])


def test_ci_runs_exactly_the_readme_test_command():
    """.ci/run's last line is the README's test command, letter for letter."""
    with open(os.path.join(ROOT, ".ci", "run")) as f:
        last_line = f.read().strip().splitlines()[-1]
    assert last_line == readme_commands()[1]
    assert os.access(os.path.join(ROOT, ".ci", "run"), os.X_OK)


# ---------------------------------------------------------------- cookiecutter commands

def cookiecutter_commands():
    """(command, shown output lines or None) for every cookiecutter command in README.md:
    those in sh blocks (each part of a `&&` chain, comment dropped), and the
    `$ cookiecutter` transcripts in text blocks with the output they show."""
    out = []
    for block in readme_commands():
        for line in block.splitlines():
            for part in line.split(" && "):
                part = re.sub(r"\s+#.*$", "", part).strip()
                if part.startswith("cookiecutter "):
                    out.append((part, None))
    for block in re.findall(r"```text\n(\$ cookiecutter .+?)\n```", readme_text(), re.S):
        first, *shown = block.splitlines()
        out.append((first[2:], shown))
    return out


def with_output_dir(words, out):
    """The command's words writing into out (its own -o, if any, replaced)."""
    if "-o" in words:
        i = words.index("-o")
        return words[:i + 1] + [out] + words[i + 2:]
    return words[:1] + ["-o", out] + words[1:]


@pytest.mark.parametrize("command,shown", cookiecutter_commands(), ids=[c for c, _ in cookiecutter_commands()])
def test_readme_cookiecutter_command_runs(tmp_path, command, shown):
    """Run from the template's folder, each README cookiecutter command bakes,
    or is refused with exactly the lines the README shows."""
    home, out = tmp_path / "home", tmp_path / "out"
    home.mkdir()
    words = shlex.split(command)
    assert words[0] == "cookiecutter"
    words = with_output_dir([COOKIECUTTER_CLI] + words[1:], str(out))
    result = subprocess.run(words, cwd=ROOT, env=dict(os.environ, HOME=str(home)), input=PROMPT_ANSWERS,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                            timeout=120)
    if shown is None:
        assert result.returncode == 0, result.stderr
        assert len(os.listdir(str(out))) == 1
    else:
        assert result.returncode != 0
        lines = result.stderr.splitlines()
        assert [line for line in shown if line not in lines] == [], result.stderr


def test_readme_shows_a_refusal():
    """The README shows one refused command with its whole suggestion."""
    refused = [shown for _command, shown in cookiecutter_commands() if shown]
    assert len(refused) == 1 and any(line.startswith("  cookiecutter --no-input . ") for line in refused[0])


# ---------------------------------------------------------------- the project's make commands

# Placeholders in the project README's commands, and what the test uses (an
# exhausted allocator ends its run with PASS, so make succeeds).
PLACEHOLDERS = {"UEFI_FAULT=NAME": "UEFI_FAULT=STALE_KEY_ONCE", "FAULT=name": "FAULT=pmm_exhaust",
                "LOADER_FAULT=NAME": "LOADER_FAULT=DISK_ERROR"}
# Commands that keep running until the user stops them: what shows they
# work, and the keys that stop them (None: stopped by killing them).
INTERACTIVE = {
    "make run": ("ready:", None, b"\x01x"),
    "make debug": ("waiting for GDB", None, b"\x01x"),
    "make run-bochs": ("ready:", "build/bochs-serial.log", None),
    "make run-bochs-debug": ("<bochs:1>", None, b"q\n"),
    "make run-uefi": ("ready:", None, b"\x01x"),
}
FUZZ_SECONDS = "1"                 # `make fuzz` runs each harness this long here (60 s by default)


def make_commands(readme):
    """Every make command in a README: lines of sh blocks and inline `make ...` code."""
    found = []
    for block in re.findall(r"```sh\n(.+?)\n```", readme, re.S):
        found += [re.sub(r"\s+#.*$", "", line).strip() for line in block.splitlines()
                  if line.startswith("make")]
    found += re.findall(r"`(make(?: [^`\n]*)?)`", readme)      # one line: not the package list
    unique = []
    for command in found:
        if command not in unique:
            unique.append(command)
    return unique


def run_interactive(command, project, until, log, keys, timeout=120):
    """Start command in its own session, wait until `until` shows in its
    output (or in the file log), send keys; kill it by its process group if
    it is still running. Returns (seen, stopped by the keys, output)."""
    process = subprocess.Popen(shlex.split(command), cwd=project, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    chunks = []
    reader = threading.Thread(target=lambda: chunks.extend(iter(lambda: process.stdout.read1(4096), b"")),
                              daemon=True)
    reader.start()

    def seen():
        text = b"".join(chunks).decode("utf-8", "replace")
        if log and os.path.exists(os.path.join(project, log)):
            with open(os.path.join(project, log), encoding="utf-8", errors="replace") as f:
                text += f.read()
        return until in text

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None and not seen():
        time.sleep(0.1)
    found, stopped = seen(), False
    try:
        if keys and process.poll() is None:
            process.stdin.write(keys)
            process.stdin.flush()
            process.wait(30)
            stopped = True
    except (subprocess.TimeoutExpired, BrokenPipeError):
        pass
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    reader.join(10)
    return found, stopped, b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture(scope="module")
def readme_project(tmp_path_factory):
    return bake(tmp_path_factory.mktemp("readme"))


@pytest.mark.slow
def test_project_readme_make_commands_run(readme_project):
    """Every make command in the generated README works as the README says,
    in the README's order: builds and tests pass, the run targets boot to
    `ready` (Ctrl-A X quits QEMU), the debug targets wait for their debugger."""
    project = readme_project
    commands = make_commands(readme_text(os.path.join(project, "README.md")))
    assert {"make", "make run", "make test", "make help", "make debug"} <= set(commands)
    env = dict(os.environ, FUZZ_SECONDS=FUZZ_SECONDS)
    for command in commands:
        for placeholder, value in PLACEHOLDERS.items():
            command = command.replace(placeholder, value)
        target = " ".join(command.split()[:2])   # `make run MEDIA=disk` runs like `make run`
        if target in INTERACTIVE:
            until, log, keys = INTERACTIVE[target]
            found, stopped, output = run_interactive(command, project, until, log, keys)
            assert found, "%s:\n%s" % (command, output[-3000:])
            assert stopped or keys is None, "%s did not stop on its keys:\n%s" % (command, output[-3000:])
            continue
        result = subprocess.run(shlex.split(command), cwd=project, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                                timeout=900)
        assert result.returncode == 0, "%s:\n%s" % (command, result.stdout[-3000:])
