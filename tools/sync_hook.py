#!/usr/bin/env python3
"""Copy {{cookiecutter.project_slug}}/tools/layout.py into hooks/pre_gen_project.py.

The pre-generation hook cannot import from the template tree, so it embeds
an identical copy of layout.py between two marker lines. This script
rewrites that copy; tests/test_hooks.py fails while the two differ.

Usage: python3 tools/sync_hook.py [--check]   (--check: exit 1 if out of date)
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYOUT = os.path.join(ROOT, "{{cookiecutter.project_slug}}", "tools", "layout.py")
HOOK = os.path.join(ROOT, "hooks", "pre_gen_project.py")
BEGIN = "# BEGIN EMBEDDED tools/layout.py (rewritten by tools/sync_hook.py; do not edit here)\nLAYOUT_SOURCE = r'''"
END = "'''\n# END EMBEDDED tools/layout.py\n"
JINJA_MARKERS = ("{{", "{%", "{#")


def read(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def split_hook(hook_text):
    """(before, embedded source, after) of the hook text; ValueError if the markers are missing."""
    start = hook_text.index(BEGIN) + len(BEGIN)
    end = hook_text.index(END, start)
    return hook_text[:start], hook_text[start:end], hook_text[end:]


def embedded_source(hook_path=HOOK):
    return split_hook(read(hook_path))[1]


def problems(source):
    """Reasons the layout source cannot be embedded (Jinja markers, triple quotes)."""
    out = ["contains %r, which Jinja would interpret" % m for m in JINJA_MARKERS if m in source]
    if "'''" in source:
        out.append("contains ''' which would end the raw string")
    return out


def main(argv):
    source = read(LAYOUT)
    errors = problems(source)
    if errors:
        for error in errors:
            sys.stderr.write("sync_hook: %s: %s\n" % (LAYOUT, error))
        return 1
    before, current, after = split_hook(read(HOOK))
    if current == source:
        return 0
    if "--check" in argv:
        sys.stderr.write("sync_hook: the copy in hooks/pre_gen_project.py is out of date; "
                         "run python3 tools/sync_hook.py\n")
        return 1
    with open(HOOK, "w", encoding="utf-8", newline="") as handle:
        handle.write(before + source + after)
    print("sync_hook: updated hooks/pre_gen_project.py")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
