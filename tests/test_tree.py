"""The generated kernel's tree shows its architecture: subsystem folders,
each with a README, and #includes that run one way down the layers that
kernel/README.md lists."""
import os
import re

from conftest import TEMPLATE_DIR

KERNEL = os.path.join(TEMPLATE_DIR, "kernel")
# Bottom to top, as kernel/README.md's table lists them; "" is kernel/ itself.
LAYERS = [("lib", "arch"), ("mm",), ("cpu",), ("dev",), ("acpi",), ("smp",), ("test",), ("",)]
# The upward calls kernel/README.md explains: every layer logs and can end
# the run, and those two services live in dev/.
UPWARD = {
    ("lib/kprintf.c", "dev/console.h"),
    ("lib/kprintf.c", "dev/shutdown.h"),
    ("cpu/trap.c", "dev/shutdown.h"),
}
INCLUDE = re.compile(r'^#include "([^"]+)"', re.M)


def layer_of(folder):
    return next(i for i, group in enumerate(LAYERS) if folder in group)


def kernel_files(suffixes):
    for folder, _, names in os.walk(KERNEL):
        for name in sorted(names):
            if name.endswith(suffixes):
                path = os.path.relpath(os.path.join(folder, name), KERNEL)
                yield path.replace(os.sep, "/")


def folder_of(path):
    return path.rsplit("/", 1)[0] if "/" in path else ""


def test_includes_run_down_the_layers():
    """No kernel file includes a header from a layer above its own, apart from
    the upward calls kernel/README.md explains."""
    wrong = []
    for path in kernel_files((".c", ".h")):
        with open(os.path.join(KERNEL, path), encoding="utf-8") as handle:
            included = INCLUDE.findall(handle.read())
        for header in included:
            if "/" not in header:
                continue  # bootinfo.h, layout.h: shared with the loader, generated
            here, there = layer_of(folder_of(path)), layer_of(folder_of(header))
            if there > here and (path, header) not in UPWARD:
                wrong.append("%s includes %s" % (path, header))
    assert wrong == []


def test_includes_name_their_folder():
    """Kernel headers are included by folder (\"mm/pmm.h\"), so each file's
    dependencies show at its top, and every such include exists."""
    for path in kernel_files((".c", ".h")):
        with open(os.path.join(KERNEL, path), encoding="utf-8") as handle:
            for header in INCLUDE.findall(handle.read()):
                if "/" in header:
                    assert os.path.isfile(os.path.join(KERNEL, header)), (path, header)
                else:
                    assert header in ("bootinfo.h", "bootlog.h", "layout.h"), (path, header)


def test_every_folder_is_a_listed_layer_with_a_readme():
    """Each kernel folder is one of the layers, has a README.md, and
    kernel/README.md links to it, in the order of the layers."""
    folders = sorted(name for name in os.listdir(KERNEL)
                     if os.path.isdir(os.path.join(KERNEL, name)))
    assert folders == sorted(f for group in LAYERS for f in group if f)
    with open(os.path.join(KERNEL, "README.md"), encoding="utf-8") as handle:
        overview = handle.read()
    linked = re.findall(r"^\| \[`(\w+)/`\]", overview, re.M)
    assert linked == [f for group in LAYERS for f in group if f]
    for folder in folders:
        assert os.path.isfile(os.path.join(KERNEL, folder, "README.md")), folder


def test_folders_stay_small():
    """No folder holds more than 16 sources (C and assembly files)."""
    counts = {}
    for path in kernel_files((".c", ".asm")):
        counts[folder_of(path)] = counts.get(folder_of(path), 0) + 1
    assert counts and max(counts.values()) <= 16, counts


def test_folder_readmes_name_their_files():
    """Each folder's README names every C and assembly file in it, and every
    header that is not simply the interface of a C file of the same name."""
    for folder in (f for group in LAYERS for f in group if f):
        with open(os.path.join(KERNEL, folder, "README.md"), encoding="utf-8") as handle:
            readme = handle.read()
        names = os.listdir(os.path.join(KERNEL, folder))
        for name in names:
            if name.endswith((".c", ".asm")) or (name.endswith(".h") and name[:-1] + "c" not in names):
                assert "`%s`" % name in readme, (folder, name)
