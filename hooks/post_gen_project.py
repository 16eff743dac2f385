#!/usr/bin/env python3
"""Post-generation hook: finish the generated project and say what to do next.

Runs inside the generated project. It re-checks layout.cfg with the project's
own tools/layout.py (the same rules the pre-generation hook applied), renders
docs/MemoryMap.md and its picture from it, and prints the next steps. On
failure it prints the problems and exits 1, and cookiecutter removes the
project. Standard library only; no Jinja here.
"""

import importlib.util
import os
import sys

NEXT_STEPS = """\
Generated {name} in {path}

Next steps:
  cd {path}
  make            # build the floppy and hard-disk images
  make run        # boot it in QEMU (serial log on the terminal)
  make run-bochs  # boot it in Bochs
  make test       # host unit tests and the self-test boot
  make help       # every target

To change the memory layout later, edit layout.cfg and run `make`: it checks
every rule again, and bases set to auto follow their neighbours. The
addresses in use, with the rules and their reasons, are in docs/MemoryMap.md.
"""


def load_project_tool(name):
    """tools/NAME.py of the generated project, as a module."""
    sys.path.insert(0, os.path.join(os.getcwd(), "tools"))
    path = os.path.join(os.getcwd(), "tools", name + ".py")
    spec = importlib.util.spec_from_file_location("project_" + name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    layout_module = load_project_tool("layout")
    layout, violations = layout_module.load_layout("layout.cfg")
    for violation in violations:
        sys.stderr.write("layout.cfg: error: %s\n" % violation)
    if violations:
        return 1
    os.makedirs("docs", exist_ok=True)
    with open(os.path.join("docs", "MemoryMap.md"), "w", encoding="utf-8", newline="\n") as handle:
        handle.write(load_project_tool("layout_gen").render_memory_map(layout))
    with open(os.path.join("docs", "memory-map.svg"), "w", encoding="utf-8", newline="\n") as handle:
        handle.write(load_project_tool("memory_svg").render_svg(layout))
    print(NEXT_STEPS.format(name=layout.project_name, path=os.getcwd()))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as exc:  # a message, never a traceback
        sys.stderr.write("post_gen_project: error: %r\n" % (exc,))
        sys.exit(1)
