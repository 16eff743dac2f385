"""README.md and CI agree on how to set up and test."""
import os
import re

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def readme_commands():
    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    return re.findall(r"```sh\n(.+?)\n```", text, re.S)


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
