"""Baking tests: the hooks, every example, and the template tree's rendering.

Bakes go through pytest-cookies, cookiecutter.main.cookiecutter() and the
cookiecutter command line (to see the hook's stderr), each with HOME
isolated.
"""

import json
import os
import subprocess

import pytest
from cookiecutter.main import cookiecutter

from conftest import (EXAMPLES, INVALID_EXAMPLES, LAYOUT, LAYOUT_PY, POST_GEN_HOOK, PRE_GEN_HOOK, ROOT,
                      example_id, leftover_jinja, load_module, project_dir, read_example, run_cli)

L = LAYOUT


def bake_api(tmp_path, **kwargs):
    """Bake with cookiecutter.main.cookiecutter(); returns the project path."""
    out = tmp_path / "out"
    return cookiecutter(ROOT, no_input=True, output_dir=str(out), **kwargs)


def cfg_of(project):
    values, errors = L.read_layout_file(os.path.join(project, "layout.cfg"))
    assert errors == []
    return values


# ---------------------------------------------------------------- the hook copy

def test_embedded_layout_copy_is_identical():
    """The copy of tools/layout.py inside the pre-generation hook is identical to the file."""
    hook = load_module("pre_gen_hook_under_test", PRE_GEN_HOOK)
    with open(LAYOUT_PY, encoding="utf-8", newline="") as handle:
        assert hook.LAYOUT_SOURCE == handle.read(), "run: python3 tools/sync_hook.py"


def test_sync_hook_check_passes(python):
    """tools/sync_hook.py --check reports the hook up to date."""
    result = subprocess.run([python, os.path.join(ROOT, "tools", "sync_hook.py"), "--check"],
                            stderr=subprocess.PIPE, universal_newlines=True)
    assert result.returncode == 0, result.stderr


def test_unrendered_hook_imports_and_validates():
    """The unrendered hook is valid Python whose validate() is the layout module's."""
    hook = load_module("pre_gen_hook_validate", PRE_GEN_HOOK)
    assert hook.validate(L.DEFAULTS) == []
    assert [v.rule for v in hook.validate(dict(L.DEFAULTS, stage2_addr="0xF800"))] == ["stage2-below-64k"]


def test_hook_context_lists_every_parameter():
    """The hook passes every parameter through tojson, one per line."""
    text = open(PRE_GEN_HOOK, encoding="utf-8").read()
    for name in L.PARAMS:
        assert '"%s": {{ cookiecutter.%s | tojson }}' % (name, name) in text


def test_unrendered_hook_exits_with_message(python, tmp_path):
    """Run unrendered, the hook prints a message and exits 1 without a traceback."""
    result = subprocess.run([python, PRE_GEN_HOOK], cwd=str(tmp_path), stderr=subprocess.PIPE,
                            universal_newlines=True)
    assert result.returncode == 1 and "not rendered" in result.stderr and "Traceback" not in result.stderr


def test_cookiecutter_json_copy_without_render():
    """tools/layout.py and the C, NASM and linker sources are copied without rendering."""
    import fnmatch
    with open(os.path.join(ROOT, "cookiecutter.json"), encoding="utf-8") as handle:
        patterns = json.load(handle)["_copy_without_render"]
    for path in ("tools/layout.py", "kernel/main.c", "kernel/lib/kprintf.h", "boot/stage1.asm",
                 "kernel/kernel.ld", "Makefile"):
        assert any(fnmatch.fnmatch(path, pattern) for pattern in patterns), path


# ---------------------------------------------------------------- default bake

def test_default_bake(cookies, isolated_home):
    """The default bake succeeds, leaves no template text behind and writes the memory map."""
    result = cookies.bake(template=ROOT)
    assert result.exit_code == 0, result.exception
    project = project_dir(result)
    assert os.path.basename(project) == "my_kernel"
    assert leftover_jinja(project) == []
    assert os.path.isfile(os.path.join(project, "docs", "MemoryMap.md"))
    with open(os.path.join(project, "tools", "layout.py"), encoding="utf-8") as handle:
        assert handle.read() == open(LAYOUT_PY, encoding="utf-8").read()


def test_default_layout_cfg_round_trip(cookies, isolated_home):
    """The baked layout.cfg holds exactly the layout keys, with the default values."""
    result = cookies.bake(template=ROOT)
    values = cfg_of(project_dir(result))
    assert list(values) == list(L.CFG_KEYS)
    assert values == {k: L.DEFAULTS[k] for k in L.CFG_KEYS}


@pytest.mark.parametrize("license,first_line", [("MIT", "MIT License"), ("BSD-2-Clause", "BSD 2-Clause License"),
                                                ("Apache-2.0", "Copyright "), ("Unlicense", "This is free")])
def test_license(cookies, isolated_home, license, first_line):
    """LICENSE holds the chosen license with the author's name."""
    result = cookies.bake(template=ROOT, extra_context={"license": license, "author_name": "Ada Lovelace"})
    assert result.exit_code == 0, result.exception
    text = open(os.path.join(project_dir(result), "LICENSE"), encoding="utf-8").read()
    assert text.startswith(first_line) and text.endswith("\n")
    if license != "Unlicense":
        assert "Ada Lovelace" in text


def test_awkward_project_name(cookies, isolated_home):
    """A name with quotes, angle brackets and # survives tojson and layout.cfg unchanged."""
    name = "Bob's <Tiny> OS & co. #1 (100%)"
    result = cookies.bake(template=ROOT, extra_context={"project_name": name, "project_slug": "bobs_os"})
    assert result.exit_code == 0, result.exception
    assert cfg_of(project_dir(result))["project_name"] == name


def test_rejected_bake_leaves_nothing(cookies, isolated_home, tmp_path):
    """A rejected bake fails in the pre-generation hook and leaves no project directory."""
    result = cookies.bake(template=ROOT, extra_context={"stage2_addr": "0xF800"})
    assert result.exit_code != 0
    assert type(result.exception).__name__ == "FailedHookException"
    bakes = list((tmp_path / "cookies").iterdir())      # pytest-cookies bakes into <tmpdir>/cookies/bakeNN
    assert bakes and all(list(d.iterdir()) == [] for d in bakes)


# ---------------------------------------------------------------- examples

@pytest.mark.parametrize("example", EXAMPLES, ids=example_id)
def test_example_bakes(tmp_path, isolated_home, example):
    """Every example config bakes, and its layout.cfg holds the example's values."""
    project = bake_api(tmp_path, config_file=example)
    assert leftover_jinja(project) == []
    expected = dict(L.DEFAULTS, **read_example(example))
    values = cfg_of(project)
    for key in L.CFG_KEYS:
        if key != "project_slug":
            assert values[key] == expected[key], key
    assert os.path.isfile(os.path.join(project, "docs", "MemoryMap.md"))


def test_default_example_is_the_seed():
    """examples/default.yaml gives every parameter its default (the seed's, but for the
    conventional-memory regions moved below the EBDA: examples/invalid/seed-layout.yaml)."""
    default = read_example(os.path.join(ROOT, "examples", "default.yaml"))
    assert default == {k: v for k, v in L.DEFAULTS.items() if k != "project_slug"}


@pytest.mark.parametrize("example", INVALID_EXAMPLES, ids=example_id)
def test_invalid_example_rejected(tmp_path, example):
    """Every invalid example is rejected with its expected message on stderr and leaves no directory."""
    expected = open(example[:-len(".yaml")] + ".expected", encoding="utf-8").read().strip()
    home, out = tmp_path / "home", tmp_path / "out"
    home.mkdir()
    out.mkdir()
    result = run_cli(["--no-input", "--config-file", example, "-o", str(out), ROOT], home)
    assert result.returncode != 0
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert os.listdir(str(out)) == []


def test_invalid_examples_cover_distinct_rules():
    """The invalid examples break at least ten different rules."""
    rules = set()
    for example in INVALID_EXAMPLES:
        text = open(example[:-len(".yaml")] + ".expected", encoding="utf-8").read()
        rules.add(text.split("]")[0].lstrip("["))
    assert len(rules) >= 10 and rules <= set(L.RULE_BY_ID)


def test_cli_key_value_bake(tmp_path):
    """The command line with key=value arguments bakes a valid layout."""
    home, out = tmp_path / "home", tmp_path / "out"
    home.mkdir()
    result = run_cli(["--no-input", "-o", str(out), ROOT, "fba_size=64M", "project_name=CLI Kernel"], home)
    assert result.returncode == 0, result.stderr
    assert cfg_of(str(out / "cli_kernel"))["fba_size"] == "64M"


# ---------------------------------------------------------------- post-gen hook

def test_post_gen_rejects_edited_layout(tmp_path, python):
    """The post-generation hook re-checks layout.cfg with the project's own tools/layout.py."""
    (tmp_path / "tools").mkdir()
    for name in ("layout.py", "layout_gen.py", "memory_svg.py"):
        source = os.path.join(os.path.dirname(LAYOUT_PY), name)
        (tmp_path / "tools" / name).write_text(open(source, encoding="utf-8").read(), encoding="utf-8")
    values = {k: L.DEFAULTS[k] for k in L.CFG_KEYS}
    values["kernel_stack_size"] = "4K"
    (tmp_path / "layout.cfg").write_text("".join("%s = %s\n" % kv for kv in values.items()), encoding="utf-8")
    result = subprocess.run([python, POST_GEN_HOOK], cwd=str(tmp_path), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, universal_newlines=True)
    assert result.returncode == 1
    assert "layout.cfg: error: [kernel-stack-min]" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "docs").exists()


def test_post_gen_prints_next_steps(cookies, isolated_home, capfd):
    """The post-generation hook prints the make targets to try next."""
    result = cookies.bake(template=ROOT)
    assert result.exit_code == 0
    out = capfd.readouterr().out
    for target in ("make run-bochs", "make test", "make help", "make run"):
        assert target in out
    assert "edit layout.cfg and run `make`" in out and "docs/MemoryMap.md" in out


def test_every_template_variable_is_defined():
    """Every cookiecutter.NAME used in the hooks or the template tree is defined in cookiecutter.json."""
    import re
    from conftest import TEMPLATE_DIR, cookiecutter_defaults, text_files
    defined = set(cookiecutter_defaults())
    used = {}
    for root in (TEMPLATE_DIR, os.path.join(ROOT, "hooks")):
        for rel, text in text_files(root):
            for name in re.findall(r"cookiecutter\.([A-Za-z_]\w*)", text):
                used.setdefault(name, rel)
    for name in re.findall(r"cookiecutter\.([A-Za-z_]\w*)", os.path.basename(TEMPLATE_DIR)):
        used.setdefault(name, "(directory name)")
    undefined = {name: rel for name, rel in used.items() if name not in defined}
    assert undefined == {}


def test_refusal_prints_a_command_that_bakes(tmp_path):
    """A refused bake ends with one cookiecutter line whose layout passes; run
    as printed from the template's folder, it bakes."""
    import shlex
    home, out = tmp_path / "home", tmp_path / "out"
    home.mkdir()
    result = run_cli(["--no-input", "-o", str(out), ROOT, "stage2_addr=0x8000"], home)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    lines = [l.strip() for l in result.stderr.splitlines() if l.strip().startswith("cookiecutter ")]
    assert lines == ["cookiecutter --no-input . e820_buffer_addr=auto stage2_addr=0x8000"], result.stderr
    assert "(auto places e820_buffer_addr = 0x6000)" in result.stderr
    result = run_cli(shlex.split(lines[0])[1:] + ["-o", str(out)], home, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert cfg_of(str(out / "my_kernel"))["stage2_addr"] == "0x8000"


def test_refusal_without_a_near_layout_prints_no_command(tmp_path):
    """A refusal that no placement can fix (a parse error) prints the messages and no command."""
    home, out = tmp_path / "home", tmp_path / "out"
    home.mkdir()
    result = run_cli(["--no-input", "-o", str(out), ROOT, "kernel_stack_size=64 K"], home)
    assert result.returncode != 0 and "[parse-size] kernel_stack_size = '64 K'" in result.stderr
    assert "cookiecutter --no-input ." not in result.stderr
