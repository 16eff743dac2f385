"""Layouts the validator accepts really work: they build and boot.

Hypothesis draws layouts from the whole parameter space (low-memory plan,
order and sizes of the kernel's areas, virtual bases, switches and rates),
keeps those validate() accepts, and for each one bakes a project, builds
its test image and boots it in QEMU to the ready line with the self-tests
passing. The draw is derandomized so CI sees the same sample every run;
change the seed below to explore others.
"""
import os

import pytest
from hypothesis import HealthCheck, assume, given, settings, seed
from hypothesis import strategies as st

from conftest import LAYOUT, assert_ticks_match_rate, assert_timer_calibrated, bake, boot, context_with, make, ready_values

L = LAYOUT
K = 1024
PAGE = 4096
BOOTS = 10

pytestmark = pytest.mark.slow


def hexa(n):
    return "0x%X" % n


@st.composite
def low_memory(draw):
    """FAT and E820 buffers, stage2, its stack, page tables, PMM bootstrap."""
    fat = draw(st.sampled_from([0x7E00, 0x1000, 0x2000, 0x5000]))
    e820 = draw(st.sampled_from([fat + 0x600, 0x0600, 0x8400, 0xE000]))
    stage2 = draw(st.integers(0x8000 // 16, 0xC000 // 16).map(lambda n: n * 16))
    tables = draw(st.integers(0x20, 0x9C).map(lambda n: n * PAGE))
    bootstrap = draw(st.integers(0x20, 0x9D).map(lambda n: n * PAGE))
    stack_top = draw(st.integers(0x2000 // 16, 0x9F000 // 16).map(lambda n: n * 16))
    values = dict(fat_buffer_addr=hexa(fat), e820_buffer_addr=hexa(e820), stage2_addr=hexa(stage2),
                  boot_page_tables_addr=hexa(tables), pmm_bootstrap_addr=hexa(bootstrap),
                  stage2_stack_top=hexa(stack_top))
    for name in draw(st.sets(st.sampled_from(sorted(set(values) & set(L.AUTO_BY_PARAM))))):
        values[name] = "auto"       # placed by layout.py around the explicit ones
    return values


@st.composite
def kernel_areas(draw):
    """Stack, BSS and load area in some order between 1 MiB and 2 MiB."""
    sizes = {"stack": draw(st.sampled_from([8, 16, 64, 128])) * K,
             "bss": draw(st.sampled_from([64, 96, 128])) * K}
    order = draw(st.permutations(["stack", "bss", "load"]))
    address = 0x100000
    bases = {}
    for area in order:
        address += draw(st.integers(0, 8)) * PAGE
        bases[area] = address
        if area == "load":
            end = address + draw(st.sampled_from([384, 512, 640])) * K
            bases["end"] = end
            address = end
        else:
            address += sizes[area]
    return dict(kernel_stack_base=hexa(bases["stack"]), kernel_stack_size="%dK" % (sizes["stack"] // K),
                kernel_bss_base=hexa(bases["bss"]), kernel_bss_size="%dK" % (sizes["bss"] // K),
                kernel_load_addr=hexa(bases["load"]), kernel_area_end=hexa(bases["end"]))


@st.composite
def virtual_areas(draw):
    """Kernel base and the areas the kernel maps, anywhere in the higher half."""
    top_2g = 0xFFFFFFFF80000000
    slots = lambda: st.integers(0, 0x3FF).map(lambda n: top_2g + n * (2 << 20))
    return dict(
        kernel_virt_base=hexa(draw(st.sampled_from([top_2g, top_2g + (2 << 20), 0xFFFFFFFFC0000000]))),
        acpi_area_base=hexa(draw(slots()) + 0x1000 * draw(st.integers(0, 16))),
        acpi_area_pages=str(draw(st.sampled_from([4, 8, 16]))),
        automap_base=hexa(draw(slots())),
        automap_size=draw(st.sampled_from(["64K", "1M", "12M"])),
        automap_enabled=draw(st.sampled_from(["y", "n"])),
        lapic_virt_addr=hexa(draw(st.sampled_from([0xFFFF800000000000, 0xFFFFFFFFFFFFF000]))
                             if draw(st.booleans()) else draw(slots())),
        fba_base=hexa(draw(slots())),
        fba_size=draw(st.sampled_from(["64K", "1M", "16M", "256M"])),
        lapic_timer_hz=str(draw(st.sampled_from([50, 100, 250, 1000]))),
    )


@st.composite
def accepted_layouts(draw):
    values = context_with()
    values.update(draw(low_memory()))
    values.update(draw(kernel_areas()))
    values.update(draw(virtual_areas()))
    assume(L.validate(values) == [])
    return values


@seed(20261125)
@settings(max_examples=BOOTS, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow,
                                 HealthCheck.function_scoped_fixture])
@given(accepted_layouts())
def test_accepted_layout_builds_and_boots(tmp_path_factory, values):
    """A layout validate() accepts builds without warnings and boots to ready in QEMU."""
    context = {k: v for k, v in values.items() if k in L.CFG_KEYS and k != "project_slug"}
    project = bake(tmp_path_factory.mktemp("layout"), **context)
    layout_text = "\n".join("%s = %s" % item for item in sorted(context.items()))
    build = make(project, "-j2", "test-image", check=False)
    assert build.returncode == 0, layout_text + "\n" + build.stdout[-4000:]
    assert "warning" not in build.stdout.lower(), build.stdout
    passed, log = boot(project)
    assert passed, layout_text + "\n" + log[-5000:]
    assert_ticks_match_rate(ready_values(log), int(values["lapic_timer_hz"]))
    assert_timer_calibrated(log, int(values["lapic_timer_hz"]), bus_mhz=1000)  # QEMU: 1 GHz


# Single changes a user tries (tests/test_layout.py checks them all against
# the rules) that move something and are not examples already: the examples
# folder boots kernel_stack_size=128K, kernel_bss_size=256K, fba_size=4G and
# stage2_addr=0x8000. Each is baked as it is, or with the suggestion its
# refusal carries, built and booted.
BOOTED_CHANGES = ["stage2_addr=0x9000", "boot_page_tables_addr=0x120000", "kernel_area_end=0x180000",
                  "pmm_area_size=512G", "kernel_virt_base=0xFFFFFFFFC0000000", "automap_size=64M"]


@pytest.mark.parametrize("change", BOOTED_CHANGES)
def test_single_change_builds_and_boots(tmp_path, change):
    """A single change bakes (with its whole suggestion when refused), builds and boots to ready in QEMU."""
    name, value = change.split("=", 1)
    values = context_with(**{name: value})
    changes = L.suggest(values) if L.validate(values) else {}
    assert changes is not None, [str(v) for v in L.validate(values)]
    context = {k: v for k, v in dict(values, **changes).items() if k in L.CFG_KEYS and k != "project_slug"}
    project = bake(tmp_path, **context)
    make(project, "test-image")
    passed, log = boot(project)
    assert passed, "%s %s\n%s" % (change, changes, log[-5000:])


def set_cfg(project, **values):
    """Rewrite `key = value` lines of a project's layout.cfg."""
    path = os.path.join(project, "layout.cfg")
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for i, line in enumerate(lines):
        key = line.split("=")[0].strip()
        if key in values and not line.startswith("#"):
            lines[i] = "%s = %s" % (key, values[key])
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def test_layout_cfg_edits_follow_auto_and_suggestions(tmp_path):
    """In a generated project, a bigger stack in layout.cfg moves the auto
    BSS and load area and boots; a refused edit stops make with the lines to
    change, and with them changed the project builds and boots."""
    project = bake(tmp_path)
    set_cfg(project, kernel_stack_size="128K")
    make(project, "test-image", "docs/MemoryMap.md")
    with open(os.path.join(project, "docs", "MemoryMap.md"), encoding="utf-8") as f:
        assert "| `kernel_bss_base` | `0x120000` | right after the kernel stack |" in f.read()
    passed, log = boot(project)
    assert passed, log[-3000:]
    set_cfg(project, stage2_addr="0x8000")
    refused = make(project, "test-image", check=False)
    assert refused.returncode != 0
    lines = refused.stdout.split("a layout that passes every rule: change these lines\n")[1].splitlines()
    changes = dict(l.strip().split(" = ") for l in lines if l.startswith("    ") and " = " in l)
    assert changes == {"e820_buffer_addr": "auto"}, refused.stdout[-3000:]
    set_cfg(project, **changes)
    make(project, "test-image")
    passed, log = boot(project)
    assert passed, log[-3000:]
