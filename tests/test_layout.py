"""Unit tests of tools/layout.py: parsing, every rule, and the generators.

They import the template tree's tools/layout.py directly and call
validate() / parse_layout(), so they need no baking.
"""

import os
import re
import subprocess

import pytest

from conftest import LAYOUT, LAYOUT_GEN, LAYOUT_GEN_PY, LAYOUT_PY, context_with

L = LAYOUT
G = LAYOUT_GEN


def violations(**overrides):
    return L.validate(context_with(**overrides))


def found(rule, param, **overrides):
    """The violations of one rule on one parameter for the defaults with overrides."""
    return [v for v in violations(**overrides) if v.rule == rule and v.param == param]


def only(rule, param, **overrides):
    """Assert that rule fires on param (and return its one message)."""
    hits = found(rule, param, **overrides)
    assert len(hits) == 1, [str(v) for v in violations(**overrides)]
    return hits[0].message


# ---------------------------------------------------------------- defaults

def test_defaults_are_valid():
    """It accepts the default layout."""
    assert violations() == []


def test_seed_low_memory_refused():
    """It refuses the seed's own conventional-memory addresses: its stage2 stack, boot page
    tables and PMM bootstrap pages reach into the EBDA of a machine whose conventional
    memory ends at 608 KiB (and the tables into QEMU's EBDA at 0x9FC00)."""
    errors = violations(stage2_stack_top="0x9C000", boot_page_tables_addr="0x9C000",
                        pmm_bootstrap_addr="0x99000")
    assert sorted((v.rule, v.param) for v in errors) == [
        ("boot-pages-window", "boot_page_tables_addr"), ("boot-pages-window", "pmm_bootstrap_addr"),
        ("stage2-stack-window", "stage2_stack_top")]


def test_default_low_memory_ends_below_608k():
    """Every region of the default layout that the loader or the kernel writes below 1 MiB
    ends at or below 0x98000, so a 32 KiB EBDA (conventional memory ending at 608 KiB)
    is left alone."""
    layout = default_layout()
    written = [r for r in layout.phys_regions() if r.params and r.start < 0x100000]
    assert {r.key for r in written} == {"mbr", "fat_buffer", "e820_buffer", "stage2", "stage2_stack",
                                        "page_tables", "pmm_bootstrap", "smp_trampoline", "disk_buffer"}
    assert max(r.end for r in written) == 0x98000


def test_parse_layout_returns_values():
    """It returns a Layout whose attributes are the parsed numbers."""
    layout, errors = L.parse_layout(context_with())
    assert errors == []
    assert layout.fat_buffer_addr == 0x7E00
    assert layout.kernel_stack_size == 64 * 1024
    assert layout.pmm_area_size == 128 << 30
    assert layout.automap_enabled is True
    assert layout.acpi_area_pages == 8
    assert layout.emulator_memory_mib == 128


def test_parse_layout_returns_none_when_invalid():
    """It returns no Layout when any rule fails."""
    layout, errors = L.parse_layout(context_with(stage2_addr="0xF800"))
    assert layout is None and errors


def test_violation_fields():
    """A violation carries the parameter, the raw value, the rule id and a message; str() is the message."""
    v = only("align-16", "stage2_addr", stage2_addr="0xA408")
    hit = found("align-16", "stage2_addr", stage2_addr="0xA408")[0]
    assert (hit.param, hit.value, hit.rule) == ("stage2_addr", "0xA408", "align-16")
    assert str(hit) == v


def test_all_violations_reported():
    """It reports every violation at once, not just the first."""
    errors = violations(fat_buffer_addr="0x7E0G", kernel_stack_size="4K", fba_size="32K", emulator_cpus="0")
    assert {v.rule for v in errors} >= {"parse-address", "kernel-stack-min", "fba-min", "count-range"}


def test_every_rule_documented_and_tested():
    """Every rule in the RULES table has text and a reason, and this file tests it by id."""
    source = open(__file__, encoding="utf-8").read()
    for rule in L.RULES:
        assert rule.text and rule.why
        assert '"%s"' % rule.id in source, rule.id


def test_params_order_matches_cookiecutter_json():
    """PARAMS lists cookiecutter.json's variables in the same order."""
    from conftest import cookiecutter_defaults
    keys = [k for k in cookiecutter_defaults() if not k.startswith("_")]
    assert list(L.PARAMS) == keys


def test_defaults_match_cookiecutter_json():
    """The defaults in layout.py are cookiecutter.json's."""
    from conftest import cookiecutter_defaults
    cc = cookiecutter_defaults()
    for name in L.PARAMS:
        if name == "project_slug":
            continue
        default = cc[name][0] if isinstance(cc[name], list) else cc[name]
        assert L.DEFAULTS[name] == default, name


# ---------------------------------------------------------------- keys

def test_unknown_key():
    """It rejects a parameter it does not know."""
    assert [v.rule for v in L.validate(context_with(stage3_addr="0x1000"))] == ["key-unknown"]


def test_private_keys_ignored():
    """It ignores cookiecutter's private keys (leading underscore)."""
    assert L.validate(context_with(_template="x", _output_dir="/tmp")) == []


def test_missing_key():
    """It rejects a layout without one of its parameters."""
    values = context_with()
    del values["fba_size"]
    errors = L.validate(values)
    assert [(v.rule, v.param) for v in errors] == [("key-missing", "fba_size")]


def test_not_a_mapping():
    """It reports a message, not an exception, for input that is not a mapping."""
    assert L.validate(["x"])[0].rule == "key-missing"


# ---------------------------------------------------------------- parsing

@pytest.mark.parametrize("text", ["0x7e00", "0X7E00", "0x0", "0xFFFFFFFFFFFFFFFF", "0x0000000000007E00"])
def test_address_accepted_forms(text):
    """It accepts 0x followed by 1 to 16 hex digits in either case."""
    assert L.parse_address(text)[1] is None


@pytest.mark.parametrize("text", ["", "0x", "7E00", "32256", "0x7E00 ", " 0x7E00", "-0x10", "+0x10",
                                  "0x7E_00", "0x00000000000000000", "0x1G", "0x７E00", "0x7E00\n"])
def test_address_rejected_forms(text):
    """It rejects decimal, signs, spaces, underscores, more than 16 digits and non-ASCII digits."""
    message = only("parse-address", "fat_buffer_addr", fat_buffer_addr=text)
    assert "fat_buffer_addr" in message and repr(text) in message and "0x followed by 1 to 16 hex digits" in message


@pytest.mark.parametrize("text,value", [("64K", 65536), ("64k", 65536), ("0x10000", 65536), ("65536", 65536),
                                         ("2M", 2 << 20), ("1G", 1 << 30), ("0x1K", 1024), ("16383G", 16383 << 30)])
def test_size_accepted_forms(text, value):
    """It reads sizes as decimal or hex with binary K/M/G suffixes."""
    assert L.parse_size(text) == (value, None)


@pytest.mark.parametrize("text", ["", "K", "64KB", "64 K", "-64K", "1.5M", "64T", "0x", "18446744073709551616",
                                  "0xFFFFFFFFFFFFFFFFK", "17179869184G", "６４K"])
def test_size_rejected_forms(text):
    """It rejects malformed sizes and sizes that do not fit in 64 bits."""
    message = only("parse-size", "kernel_bss_size", kernel_bss_size=text)
    assert "kernel_bss_size" in message and repr(text) in message and "size" in message


@pytest.mark.parametrize("text", ["y", "Y", "n", "N"])
def test_switch_accepted(text):
    """It accepts y and n in either case."""
    assert not found("parse-switch", "automap_enabled", automap_enabled=text)


@pytest.mark.parametrize("text", ["yes", "no", "1", "true", "", " y"])
def test_switch_rejected(text):
    """It rejects any switch value other than y or n."""
    assert "expected y or n" in only("parse-switch", "automap_enabled", automap_enabled=text)


@pytest.mark.parametrize("name,text", [("acpi_area_pages", "0x8"), ("emulator_cpus", "one"),
                                       ("lapic_timer_hz", "+100"), ("lapic_timer_hz", "1e2"),
                                       ("emulator_cpus", "")])
def test_count_rejected(name, text):
    """It rejects counts that are not plain decimal."""
    assert "decimal" in only("parse-count", name, **{name: text})


@pytest.mark.parametrize("name,bad,good", [("acpi_area_pages", "3", "512"), ("acpi_area_pages", "513", "4"),
                                           ("emulator_cpus", "65", "64"), ("lapic_timer_hz", "9", "10"),
                                           ("lapic_timer_hz", "1001", "1000")])
def test_count_range(name, bad, good):
    """It rejects counts outside their range and accepts the bounds."""
    only("count-range", name, **{name: bad})
    assert violations(**{name: good}) == []


@pytest.mark.parametrize("text", ["16M", "31M", "2048G", "1025G", "100000K", "0"])
def test_emulator_memory_rejected(text):
    """It rejects emulator memory below 32M, above 1024G or not whole MiB."""
    only("emulator-memory", "emulator_memory", emulator_memory=text)


@pytest.mark.parametrize("text", ["32M", "1024G", "8G", "2816M"])
def test_emulator_memory_accepted(text):
    """It accepts emulator memory from 32M to 1024G in whole MiB."""
    assert violations(emulator_memory=text) == []


@pytest.mark.parametrize("name", ["", "x" * 61, 'A "quoted" name', "back\\slash", "{braces}", "tab\there",
                                  "caf\u00e9", " leading", "trailing "])
def test_project_name_rejected(name):
    """It rejects names that are empty, too long, non-ASCII, padded, or hold \", \\, { or }."""
    only("project-name", "project_name", project_name=name, project_slug="ok")


@pytest.mark.parametrize("name", ["My Kernel", "K", "x" * 60, "Bob's <OS> & co. #1 (100%)"])
def test_project_name_accepted(name):
    """It accepts printable ASCII names up to 60 characters."""
    assert violations(project_name=name, project_slug="ok") == []


@pytest.mark.parametrize("slug", ["", "1abc", "My_kernel", "my-kernel", "my kernel", "a" * 41, "_x"])
def test_project_slug_rejected(slug):
    """It rejects slugs outside ^[a-z][a-z0-9_]{0,39}$."""
    only("project-slug", "project_slug", project_slug=slug)


def test_text_and_license():
    """It rejects an author with a newline, an empty description and an unknown license."""
    errors = {(v.rule, v.param) for v in violations(author_name="a\nb", short_description="", license="GPL")}
    assert errors == {("text", "author_name"), ("text", "short_description"), ("license", "license")}


# ---------------------------------------------------------------- real mode

def test_stage2_below_64k():
    """It rejects a stage2 area smaller than 0x1000 bytes below 0x10000."""
    message = only("stage2-below-64k", "stage2_addr", stage2_addr="0xF010")
    assert "0xF000 or below" in message


def test_stage2_starting_above_64k():
    """It rejects a stage2 address at or above 0x10000 (it would wrap onto the IVT)."""
    assert "cannot reach" in only("stage2-below-64k", "stage2_addr", stage2_addr="0x10000")


def test_stage2_minimum_accepted():
    """It accepts a stage2 area of exactly 0x1000 bytes (rule-wise)."""
    assert not found("stage2-below-64k", "stage2_addr", stage2_addr="0xF000")


def test_fat_buffer_crossing_64k():
    """It rejects a FAT buffer that ends above 0x10000 and suggests the highest start."""
    message = only("real-mode-window", "fat_buffer_addr", fat_buffer_addr="0xE000")
    assert "0xDC00" in message


def test_e820_buffer_in_ivt():
    """It rejects an E820 buffer that starts inside the IVT/BDA."""
    only("real-mode-window", "e820_buffer_addr", e820_buffer_addr="0x400")


def test_stage2_in_ivt():
    """It rejects a stage2 area that starts inside the IVT/BDA."""
    only("real-mode-window", "stage2_addr", stage2_addr="0x100")


@pytest.mark.parametrize("name,value,fix", [("fat_buffer_addr", "0x7E01", "0x7E10"),
                                            ("e820_buffer_addr", "0x8408", "0x8410"),
                                            ("stage2_addr", "0xA404", "0xA410"),
                                            ("stage2_stack_top", "0x9BFF8", "0x9C000")])
def test_align_16(name, value, fix):
    """It rejects real-mode addresses that are not 16-byte aligned and suggests the next aligned one."""
    assert "use " + fix in only("align-16", name, **{name: value})


@pytest.mark.parametrize("top", ["0x9FE00", "0x1000", "0xA0000", "0x98010", "0x9C000"])
def test_stage2_stack_window(top):
    """It rejects a stage2 stack reserve outside [0x500, 0x98000)."""
    only("stage2-stack-window", "stage2_stack_top", stage2_stack_top=top)


def test_stage2_stack_at_ebda_accepted():
    """It accepts a stage2 stack whose top is exactly the lowest EBDA start allowed for."""
    assert not found("stage2-stack-window", "stage2_stack_top", stage2_stack_top="0x98000",
                     boot_page_tables_addr="0x90000")


# ---------------------------------------------------------------- boot pages

@pytest.mark.parametrize("name,value", [("boot_page_tables_addr", "0x9E000"), ("boot_page_tables_addr", "0x1FE000"),
                                        ("boot_page_tables_addr", "0x95000"), ("boot_page_tables_addr", "0x9C000"),
                                        ("pmm_bootstrap_addr", "0x0"), ("pmm_bootstrap_addr", "0x200000"),
                                        ("pmm_bootstrap_addr", "0x96000")])
def test_boot_pages_window(name, value):
    """It rejects page tables and PMM bootstrap pages outside [0x500, 0x98000) and [1 MiB, 2 MiB):
    the EBDA may start at 608 KiB, and nothing the loader or kernel writes may lie there."""
    assert "[0x500, 0x98000)" in only("boot-pages-window", name, **{name: value})


def test_boot_pages_above_1m_accepted():
    """It accepts page tables and PMM bootstrap pages above 1 MiB when nothing else is there."""
    assert violations(boot_page_tables_addr="0x120000", pmm_bootstrap_addr="0x124000",
                      kernel_load_addr="0x128000") == []


@pytest.mark.parametrize("name,value", [("boot_page_tables_addr", "0x9C800"), ("pmm_bootstrap_addr", "0x99010"),
                                        ("kernel_stack_base", "0x100800"), ("kernel_stack_size", "62K"),
                                        ("kernel_bss_base", "0x110200"), ("kernel_bss_size", "0x10100"),
                                        ("kernel_load_addr", "0x120010"), ("kernel_area_end", "0x1FFF00")])
def test_page_align(name, value):
    """It rejects physical page-sized regions whose base, end or size is not 4 KiB aligned."""
    assert "4 KiB" in only("page-align", name, **{name: value})


# ---------------------------------------------------------------- kernel physical

@pytest.mark.parametrize("name,value", [("kernel_stack_base", "0xF0000"), ("kernel_bss_base", "0x1F8000"),
                                        ("kernel_load_addr", "0x80000"), ("kernel_area_end", "0x201000")])
def test_kernel_phys_window(name, value):
    """It rejects a kernel stack, BSS or load area outside [1 MiB, 2 MiB)."""
    only("kernel-phys-window", name, **{name: value})


def test_kernel_stack_min():
    """It rejects a kernel stack under 8 KiB."""
    assert "8K" in only("kernel-stack-min", "kernel_stack_size", kernel_stack_size="4K")
    assert violations(kernel_stack_size="8K") == []


def test_kernel_bss_min():
    """It rejects a kernel BSS under 16 KiB."""
    only("kernel-bss-min", "kernel_bss_size", kernel_bss_size="12K")


def test_kernel_load_min():
    """It rejects a kernel load area under 64 KiB, including an empty or reversed one."""
    assert "0x140000" in only("kernel-load-min", "kernel_area_end", kernel_area_end="0x12F000")
    assert "empty" in only("kernel-load-min", "kernel_area_end", kernel_area_end="0x110000")


def test_kernel_load_min_names_both_ends():
    """A load address above the area's end is refused with a message that names
    kernel_load_addr as well as kernel_area_end, and offers only a fix that keeps
    the area inside the first 2 MiB (issue 12: it named kernel_area_end alone and
    proposed an end above 2 MiB)."""
    message = only("kernel-load-min", "kernel_area_end", kernel_load_addr="0x300000")
    assert "kernel_load_addr = '0x300000'" in message and "kernel_area_end = '0x200000'" in message
    assert "kernel_area_end 0x320000" not in message
    assert "kernel_load_addr 0x1E0000 or below with kernel_area_end 0x200000" in message
    assert L.validate(context_with(kernel_load_addr="0x1E0000")) == []


# ---------------------------------------------------------------- overlaps

def test_overlap_hint_stays_in_the_movers_window():
    """The overlap message's suggested value keeps the moved region inside
    its own window rule: a disk buffer on the VGA/ROM hole is told to move
    down below the EBDA bound, not up past the hole, and the value given is
    accepted."""
    hits = found("phys-overlap", "disk_buffer_addr", disk_buffer_addr="0xA0000")
    message = [v for v in hits if v.other == "VGA/ROM hole"][0].message
    assert message.endswith("set disk_buffer_addr to 0x80000 or below"), message
    assert violations(disk_buffer_addr="0x80000") == []


def test_overlap_names_both_regions():
    """An overlap message names both regions, both parameters, both ranges and the shared phases."""
    hits = [v for v in found("phys-overlap", "stage2_addr", stage2_addr="0x9000", fat_buffer_addr="0x7E00") if v.other == "FAT buffer"]
    message = hits[0].message
    for text in ("stage2 area", "stage2_addr", "[0x9000, 0x10000)", "FAT buffer", "fat_buffer_addr",
                 "[0x7E00, 0xA200)", "phases 1 stage1, 2 stage2-load", "0xA200 or above"):
        assert text in message


def test_overlap_e820_and_stage2():
    """It rejects an E820 buffer that overlaps the stage2 area (stage2 runs while it is filled)."""
    errors = violations(e820_buffer_addr="0xA400")
    assert [(v.rule, v.param, v.other) for v in errors] == [("phys-overlap", "e820_buffer_addr", "stage2 area")]


def test_overlap_with_disjoint_lifetimes_allowed():
    """It allows overlaps of regions that are never live at once (the seed's E820 buffer in the FAT buffer)."""
    assert violations(e820_buffer_addr="0x7E00") == []


def test_overlap_e820_with_boot_sector_allowed():
    """It allows the E820 buffer over the boot sector, which is dead after stage2-load."""
    assert violations(e820_buffer_addr="0x7C00") == []


def test_overlap_with_fixed_area():
    """It rejects a FAT buffer over the boot sector and names the fixed area."""
    message = only("phys-overlap", "fat_buffer_addr", fat_buffer_addr="0x7C00")
    assert "the boot sector (fixed) [0x7C00, 0x7E00)" in message


def test_overlap_real_mode_stack():
    """It rejects a FAT buffer over the real-mode stack below 0x7C00."""
    assert any(v.other == "real-mode stack" for v in found("phys-overlap", "fat_buffer_addr",
                                                           fat_buffer_addr="0x5800"))


def test_overlap_page_tables_and_pmm_bootstrap_allowed():
    """It allows PMM bootstrap pages over the boot page tables: the kernel uses the bootstrap
    pages only once it runs on its own page tables (phase 5), and the boot tables only before."""
    assert violations(pmm_bootstrap_addr="0x95000") == []


def test_overlap_page_tables_and_kernel_stack():
    """It rejects boot page tables over the kernel stack: the kernel starts on both (phase 4)."""
    message = only("phys-overlap", "kernel_stack_base", boot_page_tables_addr="0x100000",
                   kernel_stack_base="0x100000")
    assert "boot page tables" in message and "phase 4 handoff" in message


def test_auto_dodges_an_explicit_region():
    """An auto base moves past a region placed explicitly where it would have gone."""
    layout, errors = L.parse_layout(context_with(boot_page_tables_addr="0x93000"))
    assert errors == [] and layout.stage2_stack_top == 0x93000 and layout.pmm_bootstrap_addr == 0x90000


def test_overlap_stack_reserve_and_page_tables():
    """It rejects a stage2 stack reserve that overlaps the page tables it is building."""
    message = only("phys-overlap", "boot_page_tables_addr", stage2_stack_top="0x95000",
                   boot_page_tables_addr="0x94000")
    assert "stage2_stack_top" in message and "phase 4 handoff" in message


def test_overlap_kernel_regions():
    """It rejects a kernel BSS inside the kernel load area."""
    hits = found("phys-overlap", "kernel_bss_base", kernel_bss_base="0x180000", kernel_load_addr="0x120000")
    assert hits[0].other == "kernel load area"


def test_pmm_bootstrap_keeps_out_of_the_ebda():
    """It rejects PMM bootstrap pages over the EBDA (stage2's check would halt), names the
    rule once (not again as an overlap), and accepts them just below 608 KiB."""
    errors = violations(pmm_bootstrap_addr="0x97000")
    assert [(v.rule, v.param) for v in errors] == [("boot-pages-window", "pmm_bootstrap_addr")]
    assert "the EBDA is the BIOS's" in errors[0].message and "0x95000" in errors[0].message
    assert violations(pmm_bootstrap_addr="0x95000") == []


# ---------------------------------------------------------------- virtual

@pytest.mark.parametrize("value,fix", [("0xFFFFFFFF80100000", "0xFFFFFFFF80200000"),
                                       ("0xFFFF800000100000", "0xFFFFFFFF80000000")])
def test_kernel_virt_base_alignment(value, fix):
    """It rejects a kernel virtual base that is not 2 MiB aligned and suggests an aligned one in range."""
    hits = found("kernel-virt-base", "kernel_virt_base", kernel_virt_base=value)
    assert any("2 MiB" in v.message and fix in v.message for v in hits)


def test_kernel_virt_base_top_2g():
    """It rejects a kernel virtual base below the top 2 GiB (-mcmodel=kernel)."""
    message = only("kernel-virt-base", "kernel_virt_base", kernel_virt_base="0xFFFFFFFF00000000")
    assert "mcmodel=kernel" in message


def test_kernel_window_past_top():
    """It rejects a kernel window that would run past 2^64."""
    errors = found("kernel-virt-base", "kernel_virt_base", kernel_virt_base="0xFFFFFFFFFFE00000")
    assert any("2^64" in v.message for v in errors)


def test_kernel_window_crossing_a_page_directory():
    """It rejects a kernel window across a 1 GiB boundary (paging_init maps it from one page
    directory) and suggests the highest base below the boundary, which it accepts."""
    context = dict(fba_base="0xFFFFFFFFC0400000", fba_size="256M")
    message = only("kernel-virt-base", "kernel_virt_base", kernel_virt_base="0xFFFFFFFFBFE00000", **context)
    assert "crosses the 1 GiB boundary at 0xFFFFFFFFC0000000" in message
    assert "use 0xFFFFFFFFBFC00000" in message
    assert violations(kernel_virt_base="0xFFFFFFFFBFC00000", **context) == []


def test_kernel_virt_base_highest_accepted():
    """It accepts the highest kernel base whose window ends exactly at 2^64 when nothing else is there."""
    assert not found("kernel-virt-base", "kernel_virt_base", kernel_virt_base="0xFFFFFFFFFFC00000")


@pytest.mark.parametrize("name,value", [("pmm_area_base", "0xFFFFFF8000000800"), ("pmm_area_size", "0x201800"), ("acpi_area_base", "0xFFFFFFFF81000010"),
                                        ("automap_base", "0xFFFFFFFF80400100"), ("automap_size", "12289"),
                                        ("lapic_virt_addr", "0xFFFF800000000400"), ("fba_base", "0xFFFFFFFF90000800"),
                                        ("fba_size", "65537")])
def test_virt_align(name, value):
    """It rejects virtual bases and sizes that are not 4 KiB aligned."""
    assert "4 KiB" in only("virt-align", name, **{name: value})


def test_automap_size_zero():
    """It rejects an empty automap area while automap is enabled."""
    only("virt-align", "automap_size", automap_size="0")


def test_automap_disabled_not_checked():
    """It does not reserve or check the automap area when automap_enabled is n."""
    assert violations(automap_enabled="n", automap_base="0x1", automap_size="0",
                      acpi_area_base="0xFFFFFFFF80400000") == []


@pytest.mark.parametrize("name,value", [("lapic_virt_addr", "0x0000800000000000"), ("pmm_area_base", "0x1000"),
                                        ("fba_base", "0xFFFF7FFFFFFFF000"), ("acpi_area_base", "0xFFFFFFFFFFFFF000"),
                                        ("automap_base", "0x00007FFFFFFFF000")])
def test_higher_half(name, value):
    """It rejects virtual areas that leave [0xFFFF800000000000, 2^64)."""
    assert "higher half" in only("higher-half", name, **{name: value})


def test_virt_overlap():
    """It rejects two overlapping virtual areas and names both."""
    message = only("virt-overlap", "acpi_area_base", acpi_area_base="0xFFFFFFFF80800000",
                   automap_base="0xFFFFFFFF80400000")
    assert "automap area" in message and "ACPI area" in message and "0xFFFFFFFF81000000 or above" in message


def test_virt_overlap_kernel_window():
    """It rejects an area inside the 4 MiB kernel window (the second 2 MiB included)."""
    hits = found("virt-overlap", "lapic_virt_addr", lapic_virt_addr="0xFFFFFFFF80300000")
    assert hits and hits[0].other == "kernel window"


def test_virt_adjacent_allowed():
    """It allows areas that touch without overlapping (automap ends where ACPI begins)."""
    assert violations() == []


def test_pmm_area_min():
    """It rejects a PMM area under 2 MiB (it needs room before its guard page)."""
    assert "2M" in only("pmm-area-min", "pmm_area_size", pmm_area_size="1M")


def test_fba_min():
    """It rejects an FBA area under 64 KiB."""
    only("fba-min", "fba_size", fba_size="32K")
    assert violations(fba_size="64K") == []


def test_fba_bitmap():
    """It rejects an FBA area whose bitmap leaves no block."""
    only("fba-bitmap", "fba_size", fba_size="4K")


@pytest.mark.parametrize("size,bitmap", [(64 << 10, 1), (128 << 20, 1), (128 << 20 | 4096, 2), (1 << 30, 8)])
def test_fba_bitmap_blocks(size, bitmap):
    """It counts 1 bit per 4 KiB block, rounded up to whole blocks (1 GiB needs 8)."""
    assert L.fba_bitmap_blocks(size // 4096) == bitmap


# ---------------------------------------------------------------- layout.cfg

def write_cfg(path, values):
    path.write_text("".join("%s = %s\n" % kv for kv in values.items()), encoding="utf-8")


def cfg_values(**overrides):
    values = {k: v for k, v in context_with(**overrides).items() if k in L.CFG_KEYS}
    return values


def test_read_layout_file(tmp_path):
    """It reads key = value lines and skips comments and blank lines; a value may contain #."""
    path = tmp_path / "layout.cfg"
    path.write_text("# comment\n\n  project_name = Kernel #1  \nfba_size=1G\n", encoding="utf-8")
    values, errors = L.read_layout_file(str(path))
    assert errors == [] and values == {"project_name": "Kernel #1", "fba_size": "1G"}


def test_read_layout_file_errors(tmp_path):
    """It rejects lines without '=', and keys given twice."""
    path = tmp_path / "layout.cfg"
    path.write_text("fba_size = 1G\njunk line\nfba_size = 2G\n", encoding="utf-8")
    _values, errors = L.read_layout_file(str(path))
    assert [v.rule for v in errors] == ["cfg-syntax", "cfg-syntax"]
    assert "twice" in errors[1].message


def test_layout_cfg_rejects_template_only_keys(tmp_path):
    """layout.cfg may not hold the template-only keys (license, author, description)."""
    path = tmp_path / "layout.cfg"
    write_cfg(path, dict(cfg_values(), license="MIT"))
    _layout, errors = L.load_layout(str(path))
    assert [(v.rule, v.param) for v in errors] == [("key-unknown", "license")]


def run_tool(python, *args, cwd=None, tool=LAYOUT_GEN_PY):
    return subprocess.run([python, tool] + list(args), cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True)


OUTPUTS = ["--c-header", "gen/layout.h", "--nasm", "gen/layout.inc", "--ld", "gen/layout.ld",
           "--make", "gen/layout.mk", "--bochsrc", "gen/bochsrc", "--image", "build/x.img",
           "--serial-log", "build/serial.log", "--memory-map", "docs/MemoryMap.md"]


def test_cli_writes_outputs(tmp_path, python):
    """The command line writes every requested file, creating directories, each with the banner."""
    write_cfg(tmp_path / "layout.cfg", cfg_values())
    result = run_tool(python, "layout.cfg", *OUTPUTS, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    for rel in ("gen/layout.h", "gen/layout.inc", "gen/layout.ld", "gen/layout.mk", "gen/bochsrc",
                "docs/MemoryMap.md"):
        text = (tmp_path / rel).read_text(encoding="utf-8")
        assert "generated from layout.cfg by tools/layout_gen.py - do not edit" in text.splitlines()[0]


def test_cli_errors_write_nothing(tmp_path, python):
    """On a violation the command line prints `layout.cfg: error: ...` for each, exits 1 and writes nothing."""
    write_cfg(tmp_path / "layout.cfg", cfg_values(stage2_addr="0xF800", fba_size="4K"))
    result = run_tool(python, "layout.cfg", *OUTPUTS, cwd=str(tmp_path))
    assert result.returncode == 1
    lines = [l for l in result.stderr.splitlines() if l.startswith("layout.cfg: error: ")]
    assert len(lines) == 3 and "[stage2-below-64k]" in lines[0]
    assert not (tmp_path / "gen").exists() and not (tmp_path / "docs").exists()
    assert "Traceback" not in result.stderr


def test_cli_unknown_and_missing_keys(tmp_path, python):
    """The command line rejects unknown and missing keys."""
    values = cfg_values()
    del values["lapic_timer_hz"]
    values["lapic_timer"] = "100"
    write_cfg(tmp_path / "layout.cfg", values)
    result = run_tool(python, "layout.cfg", cwd=str(tmp_path))
    assert result.returncode == 1
    assert "[key-unknown] lapic_timer" in result.stderr and "[key-missing] lapic_timer_hz" in result.stderr


def test_cli_bochsrc_needs_image(tmp_path, python):
    """--bochsrc without --image and --serial-log is a usage error."""
    write_cfg(tmp_path / "layout.cfg", cfg_values())
    result = run_tool(python, "layout.cfg", "--bochsrc", "b", cwd=str(tmp_path))
    assert result.returncode == 2 and not (tmp_path / "b").exists()


def test_cli_missing_file(tmp_path, python):
    """A missing layout.cfg is a message, not a traceback."""
    result = run_tool(python, "nope.cfg", cwd=str(tmp_path))
    assert result.returncode == 1 and "nope.cfg: error:" in result.stderr and "Traceback" not in result.stderr


# ---------------------------------------------------------------- generators

NAMES = ["LAYOUT_FAT_BUFFER", "LAYOUT_FAT_BUFFER_SIZE", "LAYOUT_E820_BUFFER", "LAYOUT_E820_BUFFER_SIZE",
         "LAYOUT_STAGE2_ADDR", "LAYOUT_STAGE2_END", "LAYOUT_STAGE2_STACK_TOP", "LAYOUT_BOOT_PAGE_TABLES",
         "LAYOUT_PMM_BOOTSTRAP", "LAYOUT_KERNEL_STACK_BASE", "LAYOUT_KERNEL_STACK_SIZE", "LAYOUT_KERNEL_BSS_BASE",
         "LAYOUT_KERNEL_BSS_SIZE", "LAYOUT_KERNEL_LOAD_ADDR", "LAYOUT_KERNEL_AREA_END", "LAYOUT_KERNEL_VIRT_BASE",
         "LAYOUT_PMM_AREA_BASE", "LAYOUT_PMM_AREA_SIZE", "LAYOUT_ACPI_AREA_BASE", "LAYOUT_ACPI_AREA_PAGES",
         "LAYOUT_AUTOMAP_BASE", "LAYOUT_AUTOMAP_SIZE", "LAYOUT_AUTOMAP_ENABLED", "LAYOUT_LAPIC_VIRT",
         "LAYOUT_FBA_BASE", "LAYOUT_FBA_SIZE", "LAYOUT_LAPIC_TIMER_HZ", "LAYOUT_EMULATOR_MEMORY_MIB",
         "LAYOUT_EMULATOR_CPUS"]


def default_layout(**overrides):
    layout, errors = L.parse_layout(context_with(**overrides))
    assert not errors
    return layout


def defined(text, pattern):
    return dict(re.findall(pattern, text, re.M))


def test_same_names_and_values_in_c_nasm_ld():
    """The C header, NASM include and linker include define the same names with the same values."""
    layout = default_layout()
    c = defined(G.render_c_header(layout), r"^#define (LAYOUT_\w+)\s+(0x[0-9A-F]+)ULL")
    nasm = defined(G.render_nasm(layout), r"^%define (LAYOUT_\w+)\s+(0x[0-9A-F]+)")
    ld = defined(G.render_ld(layout), r"^(LAYOUT_\w+)\s+= (0x[0-9A-F]+);")
    assert c == nasm == ld
    assert set(NAMES) <= set(c)
    assert c["LAYOUT_STAGE2_END"] == "0x10000" and c["LAYOUT_AUTOMAP_ENABLED"] == "0x1"
    assert c["LAYOUT_KERNEL_VIRT_BASE"] == "0xFFFFFFFF80000000" and c["LAYOUT_EMULATOR_MEMORY_MIB"] == "0x80"


def test_c_header_project_name_and_guard():
    """The C header has an include guard and the project name as a string."""
    text = G.render_c_header(default_layout(project_name="Bob's OS #1"))
    assert "#ifndef LAYOUT_GENERATED_H" in text and '#define LAYOUT_PROJECT_NAME "Bob\'s OS #1"' in text
    assert "PROJECT_NAME" not in G.render_ld(default_layout())


def test_automap_disabled_is_zero():
    """LAYOUT_AUTOMAP_ENABLED is 0 when automap is off."""
    assert re.search(r"LAYOUT_AUTOMAP_ENABLED\s+0x0 ", G.render_nasm(default_layout(automap_enabled="N")))


def test_make_include():
    """The make include gives memory in MiB and CPUs in decimal, and the slug."""
    text = G.render_make(default_layout(emulator_memory="8G", emulator_cpus="4"))
    assert "LAYOUT_EMULATOR_MEMORY_MIB := 8192\n" in text and "LAYOUT_EMULATOR_CPUS := 4\n" in text
    assert "LAYOUT_PROJECT_SLUG := my_kernel\n" in text


def test_bochsrc():
    """The Bochs config names the image, the serial log, the memory and the CPU count."""
    text = G.render_bochsrc(default_layout(emulator_cpus="2"), "build/k.img", "build/serial.log")
    for line in ("megs: 128", "cpu: count=2, ips=4000000, reset_on_triple_fault=0",
                 "floppya: 1_44=build/k.img, status=inserted", "boot: floppy",
                 "com1: enabled=1, mode=file, dev=build/serial.log", "display_library: term",
                 "romimage: file=/usr/share/bochs/BIOS-bochs-latest", "panic: action=fatal"):
        assert line + "\n" in text


def test_memory_map_document():
    """docs/MemoryMap.md shows the regions, the FBA arithmetic and every rule, from the actual values."""
    text = G.render_memory_map(default_layout(fba_size="64M", project_name="Doc Test"))
    assert "# Memory map of Doc Test" in text
    assert "blocks of 4 KiB: 16384" in text and "blocks left for allocation: 16383" in text
    assert "`0x0000000000094000` | `0x0000000000094FFF` | initial PML4" in text
    for rule in L.RULES:
        assert "`%s`" % rule.id in text
    assert "automap area is disabled" in G.render_memory_map(default_layout(automap_enabled="n"))


def test_layout_py_has_no_jinja_markers():
    """tools/layout.py holds no Jinja markers, so embedding it in a rendered hook is safe."""
    text = open(LAYOUT_PY, encoding="utf-8").read()
    for marker in ("{{", "{%", "{#", "'''"):
        assert marker not in text


def test_rules_cli_checks_without_writing(tmp_path, python):
    """tools/layout.py on its own only checks: exit 0 for a valid file, 1 with
    the same messages for a broken one, and it writes nothing either way."""
    write_cfg(tmp_path / "layout.cfg", cfg_values())
    assert run_tool(python, "layout.cfg", cwd=str(tmp_path), tool=LAYOUT_PY).returncode == 0
    write_cfg(tmp_path / "layout.cfg", cfg_values(fba_size="4K"))
    result = run_tool(python, "layout.cfg", cwd=str(tmp_path), tool=LAYOUT_PY)
    assert result.returncode == 1
    assert "layout.cfg: error: [fba-min]" in result.stderr and "Traceback" not in result.stderr
    assert sorted(os.listdir(str(tmp_path))) == ["layout.cfg"]


def test_page_table_slot_needs_a_free_pml4_slot():
    """It rejects virtual areas that leave no 512 GiB slot for the recursive page-table map."""
    message = only("page-table-slot", "fba_size", fba_base="0xFFFF800000000000",
                   fba_size="0x7F8000000000", lapic_virt_addr="0xFFFFFFFFFFFFF000")
    assert "make the FBA area smaller" in message


def test_page_table_slot_needs_slots_for_staging_and_the_self_tests():
    """It rejects virtual areas that leave one or two free slots: the kernel zeroes new page
    tables through a second one before linking them, and the self-tests map their scratch
    pages in a third; it accepts three."""
    one_free = dict(fba_base="0xFFFF808000000000", fba_size="0x7E8000000000", lapic_virt_addr="0xFFFF800000000000")
    assert "leave 1 of the 256" in only("page-table-slot", "fba_size", **one_free)
    assert "leave 2 of the 256" in only("page-table-slot", "fba_size", **dict(one_free, fba_size="0x7E0000000000"))
    assert violations(**dict(one_free, fba_size="0x7D8000000000")) == []


def test_page_table_slot_is_the_highest_free_one():
    """The default layout uses slots 256 (LAPIC) and 511; the page tables go in 510."""
    layout, errors = L.parse_layout(context_with())
    assert errors == [] and layout.page_table_slot == 510
    moved, errors = L.parse_layout(context_with(lapic_virt_addr="0xFFFFFF7FFFFFF000"))
    assert errors == [] and moved.page_table_slot == 509


# ---------------------------------------------------------------- auto bases

# The default layout: the seed's, with the three conventional-memory regions
# 32 KiB lower (below the lowest EBDA start allowed for, 0x98000), and the
# disk read buffer (not in the seed) right after the stage2 area.
SEED = dict(fat_buffer_addr=0x7E00, stage2_stack_top=0x94000, boot_page_tables_addr=0x94000,
            pmm_bootstrap_addr=0x91000, kernel_stack_base=0x100000, kernel_bss_base=0x110000,
            kernel_load_addr=0x120000, pmm_area_base=0xFFFFFF8000000000, acpi_area_base=0xFFFFFFFF81000000,
            automap_base=0xFFFFFFFF80400000, lapic_virt_addr=0xFFFF800000000000, fba_base=0xFFFFFFFF90000000,
            disk_buffer_addr=0x10000)


def resolved(**overrides):
    layout, errors = L.parse_layout(context_with(**overrides))
    assert errors == [], [str(v) for v in errors]
    return layout


def test_auto_defaults_give_the_seed_layout():
    """Every default base is auto, and auto places each exactly where the default layout has it."""
    assert {name for name in SEED} == {name for name in L.PARAMS if L.DEFAULTS[name] == "auto"}
    layout = resolved()
    assert {name: getattr(layout, name) for name in SEED} == SEED
    assert layout.raw["kernel_bss_base"] == "auto"


def test_explicit_seed_values_are_the_same_layout():
    """Writing the default addresses instead of auto gives the same layout."""
    explicit = resolved(**{name: "0x%X" % value for name, value in SEED.items()})
    assert explicit.values == resolved().values


def test_auto_follows_a_bigger_kernel_stack():
    """With auto bases, a 128 KiB kernel stack moves the BSS and the load area up."""
    layout = resolved(kernel_stack_size="128K")
    assert (layout.kernel_stack_base, layout.kernel_bss_base, layout.kernel_load_addr) == \
        (0x100000, 0x120000, 0x130000)


def test_auto_follows_a_bigger_bss():
    """A 256 KiB BSS pushes the load area to 0x150000."""
    assert resolved(kernel_bss_size="256K").kernel_load_addr == 0x150000


def test_auto_fba_too_big_for_the_top_2g_goes_below_the_kernel_window():
    """A 4 GiB FBA does not fit after the ACPI area below 2^64: auto puts it right below the kernel window."""
    layout = resolved(fba_size="4G")
    assert layout.fba_base == 0xFFFFFFFE80000000
    assert layout.fba_base + layout.fba_size == layout.kernel_virt_base


def test_auto_fba_keeps_its_base_when_small_areas_grow():
    """Growing the automap or ACPI area leaves the FBA on its 256 MiB boundary."""
    assert resolved(automap_size="64M", acpi_area_pages="512").fba_base == 0xFFFFFFFF90000000


def test_auto_pmm_area_too_big_for_its_slot_moves_down():
    """A 512 GiB PMM area does not fit in slot 511 beside the kernel: auto puts it in slot 510."""
    layout = resolved(pmm_area_size="512G")
    assert layout.pmm_area_base == 0xFFFFFF0000000000 and layout.page_table_slot == 509


def test_auto_acpi_follows_the_kernel_window_without_automap():
    """With automap off, the ACPI area follows the kernel window (automap's place)."""
    assert resolved(automap_enabled="n").acpi_area_base == 0xFFFFFFFF80400000


def test_auto_fat_buffer_moves_below_the_real_mode_stack():
    """When stage2 starts at 0x8000 the FAT buffer no longer fits after the boot sector: it goes below 0x7800."""
    layout, errors = L.parse_layout(context_with(stage2_addr="0x8000", e820_buffer_addr="auto"))
    assert errors == [] and layout.fat_buffer_addr == 0x5400 and layout.e820_buffer_addr == 0x6000


def test_low_memory_packs_from_its_anchor(monkeypatch):
    """Moving LOW_MEMORY_TOP moves every auto low-memory region with it (issue 12's move is one constant)."""
    monkeypatch.setattr(L, "LOW_MEMORY_TOP", 0x98000)
    layout = resolved()
    assert (layout.boot_page_tables_addr, layout.stage2_stack_top, layout.pmm_bootstrap_addr) == \
        (0x94000, 0x94000, 0x91000)


def test_explicit_values_are_placed_first():
    """An explicit base stays where it is written; auto bases go around it."""
    layout = resolved(kernel_bss_base="0x100000")
    assert layout.kernel_bss_base == 0x100000 and layout.kernel_stack_base == 0x110000
    assert layout.kernel_load_addr == 0x120000


def test_auto_only_for_bases_that_follow_a_neighbour():
    """auto is refused for an anchor such as kernel_virt_base, and for sizes; its spelling is strict."""
    message = only("parse-address", "kernel_virt_base", kernel_virt_base="auto")
    assert "or auto" not in message
    only("parse-size", "fba_size", fba_size="auto")
    assert "or auto" in only("parse-address", "fba_base", fba_base="Auto")


def test_auto_without_room_is_refused_by_the_rules():
    """When no free place exists, an auto base takes its natural place and the rules say what is wrong."""
    errors = violations(kernel_stack_size="1M")
    assert ("kernel-phys-window", "kernel_bss_base", "auto") in [(v.rule, v.param, v.value) for v in errors]


def test_auto_with_a_neighbour_that_did_not_parse():
    """An auto base whose neighbour did not parse is skipped: only the parse error is reported."""
    assert [(v.rule, v.param) for v in violations(kernel_stack_size="64 K")] == [("parse-size", "kernel_stack_size")]


def test_memory_map_marks_auto_bases():
    """docs/MemoryMap.md marks auto bases and lists where each was placed."""
    text = G.render_memory_map(default_layout(kernel_stack_size="128K", kernel_load_addr="0x140000"))
    assert "`kernel_bss_base` (auto)" in text and "`kernel_load_addr`, `kernel_area_end`" in text
    assert "| `kernel_bss_base` | `0x120000` | right after the kernel stack |" in text
    assert "| `kernel_load_addr` |" not in text


# ---------------------------------------------------------------- whole suggestions

def applied(values, changes):
    return dict(values, **changes)


def test_suggestion_for_stage2_at_0x8000():
    """stage2_addr=0x8000 overlaps the seed's E820 buffer: the suggestion moves the buffer, keeps stage2."""
    values = context_with(stage2_addr="0x8000")
    changes = L.suggest(values)
    assert changes == {"e820_buffer_addr": "auto"}
    assert L.validate(applied(values, changes)) == []
    assert L.suggestion_command(values, changes) == \
        "cookiecutter --no-input . e820_buffer_addr=auto stage2_addr=0x8000"


def test_suggestion_moves_every_parameter_that_must_move():
    """Two independent refusals give one suggestion that fixes both, keeps every
    value the user chose (the load area ends where the BSS begins), and validates."""
    values = context_with(stage2_addr="0x8000", kernel_bss_base="0x180000", kernel_load_addr="0x120000")
    changes = L.suggest(values)
    assert changes == {"e820_buffer_addr": "auto", "kernel_area_end": "0x180000"}
    assert L.validate(applied(values, changes)) == []


def test_auto_load_area_takes_the_room_below_its_end():
    """With the kernel stack placed at the top, the auto BSS goes below it and
    the auto load area takes the free room below its end."""
    layout = resolved(kernel_stack_base="0x1F0000", kernel_area_end="0x1E0000")
    assert (layout.kernel_bss_base, layout.kernel_load_addr) == (0x1E0000, 0x100000)


def test_suggestion_changes_a_broken_choice_as_little_as_possible():
    """A value that breaks a rule on its own is changed to the nearest value its message proposes."""
    assert L.suggest(context_with(stage2_addr="0xF800")) == {"stage2_addr": "0xF000"}
    assert L.suggest(context_with(kernel_stack_size="4K")) == {"kernel_stack_size": "8K"}
    assert L.suggest(context_with(boot_page_tables_addr="0xA0000")) == {"boot_page_tables_addr": "0x94000"}


def test_no_suggestion_without_a_placement_problem():
    """Parse errors, and layouts with no valid neighbour, get the messages only."""
    assert L.suggest(context_with()) is None
    assert L.suggest(context_with(fba_size="1T")) is None
    assert L.suggest(context_with(kernel_stack_size="64K", emulator_cpus="0")) is None
    assert L.suggest(context_with(kernel_stack_size="1M")) is None


def test_suggestion_command_quotes_and_skips_the_derived_slug():
    """The command keeps the user's other choices, quoted for a shell, without the derived slug."""
    values = context_with(project_name="Bob's OS", project_slug="bob's_os", stage2_addr="0x8000")
    command = L.suggestion_command(values, {"e820_buffer_addr": "auto"})
    assert command == ("cookiecutter --no-input . 'project_name=Bob'\"'\"'s OS' e820_buffer_addr=auto "
                       "stage2_addr=0x8000")


def test_cli_prints_the_layout_cfg_lines_to_change(tmp_path, python):
    """A refused layout.cfg gets the lines to change, and with them changed it passes."""
    write_cfg(tmp_path / "layout.cfg", cfg_values(stage2_addr="0x8000"))
    result = run_tool(python, "layout.cfg", cwd=str(tmp_path), tool=LAYOUT_PY)
    assert result.returncode == 1
    assert result.stderr.endswith("layout.cfg: a layout that passes every rule: change these lines\n"
                                  "    e820_buffer_addr = auto\n")
    write_cfg(tmp_path / "layout.cfg", cfg_values(stage2_addr="0x8000", e820_buffer_addr="auto"))
    assert run_tool(python, "layout.cfg", cwd=str(tmp_path), tool=LAYOUT_PY).returncode == 0


# Single changes a first-time user will try: each one either passes as it
# is, or is refused with a whole suggestion that passes. (The slow tier
# builds and boots them: tests/test_layout_boots.py.)
SINGLE_CHANGES = ["kernel_stack_size=128K", "kernel_stack_size=256K", "kernel_bss_size=128K",
                  "kernel_bss_size=256K", "fba_size=4G", "fba_size=64M", "fba_size=16G", "stage2_addr=0x8000",
                  "stage2_addr=0x9000", "stage2_addr=0xC000", "automap_size=64M", "automap_enabled=n",
                  "acpi_area_pages=64", "pmm_area_size=512G", "pmm_area_size=16G",
                  "kernel_virt_base=0xFFFFFFFFC0000000", "kernel_area_end=0x180000", "emulator_memory=8G",
                  "emulator_cpus=4", "lapic_timer_hz=100", "e820_buffer_addr=0x1000",
                  "boot_page_tables_addr=0x120000", "kernel_load_addr=0x140000"]


def single_change(change):
    name, value = change.split("=", 1)
    return context_with(**{name: value})


@pytest.mark.parametrize("change", SINGLE_CHANGES)
def test_single_changes_pass_or_carry_a_whole_suggestion(change):
    """A single change people try passes, or its refusal carries a suggestion that passes."""
    values = single_change(change)
    if L.validate(values):
        changes = L.suggest(values)
        assert changes, [str(v) for v in L.validate(values)]
        assert L.validate(dict(values, **changes)) == []


# ---------------------------------------------------------------- boot media

@pytest.mark.parametrize("value", ["0x400", "0xFF00"])
def test_mbr_window(value):
    """It rejects an MBR relocation area in the BIOS data area or past 0x10000."""
    assert "[0x500, 0x10000)" in only("mbr-window", "mbr_addr", mbr_addr=value)


def test_mbr_window_alignment():
    """It rejects an MBR address that is not a multiple of 16."""
    assert "use 0x610" in only("mbr-window", "mbr_addr", mbr_addr="0x608")


@pytest.mark.parametrize("value", ["0x7900", "0x7D00"])
def test_mbr_overlaps_stack_or_boot_sector(value):
    """It rejects an MBR copy over the real-mode stack or over 0x7C00, where
    it loads the partition's boot sector (both live in phase 0)."""
    errors = violations(mbr_addr=value)
    assert [(v.rule, v.param) for v in errors] == [("phys-overlap", "mbr_addr")]
    assert "phase 0 mbr" in str(errors[0])


def test_mbr_may_share_memory_with_later_regions():
    """The MBR is dead once stage1 runs: the stage2 area or the FAT buffer may reuse its memory."""
    assert violations(mbr_addr="0xA400") == [] and violations(mbr_addr="0x7E00") == []


@pytest.mark.parametrize("value, hint", [("1M", "use 2M"), ("10M", "use 9M"), ("3000K", "use 3M")])
def test_disk_image_size_range(value, hint):
    """It rejects a disk image outside 2M..9M or not in whole MiB."""
    assert hint in only("disk-image-size", "disk_image_size", disk_image_size=value)


def test_disk_image_must_hold_the_largest_files():
    """The partition must take a STAGE2.BIN and a KERNEL.BIN as large as their areas."""
    message = only("disk-image-size", "disk_image_size", disk_image_size="2M", stage2_addr="0x1000",
                   fat_buffer_addr="0x600", e820_buffer_addr="0x600", kernel_load_addr="0x100000",
                   kernel_stack_base="0x1F0000", kernel_stack_size="8K", kernel_bss_base="0x1F2000",
                   kernel_bss_size="48K", kernel_area_end="0x1F0000")
    assert "use 3M or more" in message
    assert violations(disk_image_size="2M") == []


@pytest.mark.parametrize("size, sectors, fat, clusters", [(2 << 20, 2048, 2, 502), (9 << 20, 16384, 12, 4081)])
def test_disk_partition_is_fat12(size, sectors, fat, clusters):
    """The partition's FAT fits the FAT buffer with a cluster to spare, and stays FAT12 (< 4085 clusters)."""
    assert L.disk_partition(size) == (sectors, fat, clusters)
    assert clusters <= L.FAT12_MAX_CLUSTERS
    assert (fat + L.DISK_CLUSTER_SECTORS) * 512 <= L.FAT_BUFFER_SIZE


def test_make_include_disk_partition():
    """The make include gives the partition's place and size in sectors for the image rule."""
    text = G.render_make(default_layout(disk_image_size="9M"))
    assert "LAYOUT_DISK_PARTITION_LBA := 2048\n" in text and "LAYOUT_DISK_PARTITION_SECTORS := 16384\n" in text


def test_memory_map_and_svg_show_the_mbr_phase():
    """docs/MemoryMap.md and the SVG show phase 0 and the MBR relocation area live in it alone."""
    from conftest import TEMPLATE_DIR, load_module
    layout = default_layout(mbr_addr="0x1000")
    text = G.render_memory_map(layout)
    assert "| `0x0000000000001000` | `0x00000000000011FF` | 512 bytes | relocated MBR | `mbr_addr` | 0 |" in text
    assert "| 0 | mbr |" in text
    svg = load_module("template_memory_svg", os.path.join(TEMPLATE_DIR, "tools", "memory_svg.py")).render_svg(layout)
    assert ">0 mbr</text>" in svg and ">relocated MBR</text>" in svg


def test_bochsrc_media():
    """The Bochs configs of the disk and the CD attach the image on ATA and boot it."""
    disk = G.render_bochsrc(default_layout(), "build/disk.img", "s.log", "disk")
    assert "ata0-master: type=disk, path=build/disk.img, mode=flat\n" in disk and "boot: disk\n" in disk
    assert "floppya" not in disk
    cdrom = G.render_bochsrc(default_layout(), "build/cdrom.iso", "s.log", "cdrom")
    assert "ata0-master: type=cdrom, path=build/cdrom.iso, status=inserted\n" in cdrom and "boot: cdrom\n" in cdrom


@pytest.mark.parametrize("value", ["0x90000", "0xA0000", "0x100000"])
def test_disk_buffer_window(value):
    """It rejects a disk read buffer that reaches the EBDA (0x98000) or lies above it: stage2
    reads into it in real mode and never writes the EBDA."""
    message = only("disk-buffer-window", "disk_buffer_addr", disk_buffer_addr=value)
    assert "must lie in [0x500, 0x98000)" in message and "use a value from 0x10000 to 0x80000" in message


@pytest.mark.parametrize("value, fix", [("0x18000", "0x20000"), ("0x12340", "0x20000"), ("0x7F010", "0x80000"),
                                        ("0x8000", "0x10000")])
def test_disk_buffer_alignment(value, fix):
    """It rejects a disk read buffer base that is not a multiple of 64 KiB: a read into it could
    cross a 64 KiB physical boundary, which floppy DMA cannot."""
    message = only("disk-buffer-window", "disk_buffer_addr", disk_buffer_addr=value)
    assert "must be a multiple of 0x10000" in message and message.endswith("use %s" % fix)


def test_disk_buffer_overlaps_phase_2_regions():
    """It rejects a disk read buffer over regions live in phase 2 (the stage2 area, the FAT
    buffer, the boot sector), naming the parameter and the other region."""
    errors = [v for v in violations(disk_buffer_addr="0x0") if v.rule == "phys-overlap"]
    assert {v.other for v in errors} == {"IVT and BIOS data area", "real-mode stack", "boot sector",
                                         "FAT buffer", "stage2 area"}
    assert all(v.param == "disk_buffer_addr" and "phase 2 stage2-load" in str(v) for v in errors)


def test_disk_buffer_default_and_valid_values():
    """auto puts the disk read buffer at 0x10000, right after the stage2 area; every multiple of
    64 KiB from 0x10000 to 0x80000 is accepted."""
    assert default_layout().disk_buffer_addr == 0x10000
    for base in range(0x10000, 0x90000, 0x10000):
        assert violations(disk_buffer_addr="0x%X" % base) == [], hex(base)


def test_disk_buffer_shares_memory_with_other_phases():
    """The disk read buffer is live in phase 2 only: the AP trampoline (phase 5) and the boot
    page tables (phase 4) may reuse its memory."""
    layout = default_layout(smp_trampoline_addr="0x10000", boot_page_tables_addr="0x1C000")
    regions = {r.key: r for r in layout.phys_regions()}
    assert regions["disk_buffer"].start == 0x10000 and regions["disk_buffer"].lifetime == (2, 2)
    assert regions["smp_trampoline"].start == 0x10000 and regions["page_tables"].end == 0x20000


def test_disk_buffer_suggestion():
    """A refused disk read buffer comes with the nearest valid base as a whole suggestion."""
    assert L.suggest(context_with(disk_buffer_addr="0x90000")) == {"disk_buffer_addr": "0x80000"}
    assert L.suggest(context_with(disk_buffer_addr="0x21000")) == {"disk_buffer_addr": "0x30000"}


def test_disk_buffer_in_generated_files():
    """The NASM include gives stage2 the buffer's address and size; docs/MemoryMap.md and the SVG
    show it, live in phase 2 alone."""
    from conftest import TEMPLATE_DIR, load_module
    layout = default_layout(disk_buffer_addr="0x30000")
    nasm = defined(G.render_nasm(layout), r"^%define (LAYOUT_\w+)\s+(0x[0-9A-F]+)")
    assert nasm["LAYOUT_DISK_BUFFER_ADDR"] == "0x30000" and nasm["LAYOUT_DISK_BUFFER_SIZE"] == "0x10000"
    text = G.render_memory_map(layout)
    assert ("| `0x0000000000030000` | `0x000000000003FFFF` | 64 KiB | disk read buffer | `disk_buffer_addr` | 2 |"
            in text)
    assert "`disk_buffer_addr` (auto)" in G.render_memory_map(default_layout())
    svg = load_module("template_memory_svg", os.path.join(TEMPLATE_DIR, "tools", "memory_svg.py")).render_svg(layout)
    assert ">0x30000</text>" in svg and ">0x40000</text>" in svg and ">disk read bu~</text>" in svg


# ---------------------------------------------------------------- SMP

def test_smp_trampoline_must_be_page_aligned():
    """It rejects an AP trampoline that is not on a page: the STARTUP IPI vector is a page number."""
    message = only("smp-trampoline", "smp_trampoline_addr", smp_trampoline_addr="0xB800")
    assert "multiple of 4 KiB" in message and "use 0xC000" in message


@pytest.mark.parametrize("address", ["0x0", "0x9D000", "0xA0000", "0x100000"])
def test_smp_trampoline_must_lie_below_the_ebda(address):
    """It rejects an AP trampoline in the IVT page, the EBDA, the VGA hole or above 1 MiB."""
    message = [v.message for v in found("smp-trampoline", "smp_trampoline_addr", smp_trampoline_addr=address)]
    assert len(message) == 1 and "[0x1000, 0x98000)" in message[0] and "0x94000" in message[0], message


def test_smp_trampoline_may_reuse_memory_dead_by_phase_5():
    """The trampoline is live only in phase 5: it may sit in the stage2 area or over the real-mode stack."""
    assert violations(smp_trampoline_addr="0xB000") == []
    assert violations(smp_trampoline_addr="0x4000") == []  # over the real-mode stack


def test_smp_trampoline_may_not_overlap_what_the_kernel_uses():
    """It rejects a trampoline over the PMM bootstrap pages (live in phase 5), naming both."""
    hits = found("phys-overlap", "smp_trampoline_addr", smp_trampoline_addr="0x92000",
                 pmm_bootstrap_addr="0x91000")
    assert [v.other for v in hits] == ["PMM bootstrap pages"]
    assert "both are live in phase 5 kernel" in hits[0].message


def test_smp_stack_floor_and_alignment():
    """It rejects an AP stack under 8K or not a multiple of 4 KiB, with a fix."""
    assert "use 8K" in only("smp-stack", "smp_stack_size", smp_stack_size="4K")
    assert "use 12K" in only("smp-stack", "smp_stack_size", smp_stack_size="10K")


def test_smp_max_cpus_range():
    """smp_max_cpus is 1..64, the CPUs the MADT parser keeps."""
    only("count-range", "smp_max_cpus", smp_max_cpus="0")
    only("count-range", "smp_max_cpus", smp_max_cpus="65")
    assert violations(smp_max_cpus="64", percpu_area_size="4M") == []


def test_percpu_area_holds_every_cpu():
    """It rejects a per-CPU area with fewer slots than smp_max_cpus, saying what is needed."""
    message = only("percpu-area", "percpu_area_size", percpu_area_size="64K", smp_max_cpus="4")
    assert "4 CPUs with 16 KiB stacks need 4 slots of 40 KiB: use 160K or more" in message


def test_percpu_area_is_a_virtual_area():
    """The per-CPU area is aligned, in the higher half, and overlaps no other area."""
    only("virt-align", "percpu_area_base", percpu_area_base="0xFFFFFFFF82000800")
    only("higher-half", "percpu_area_base", percpu_area_base="0x0000000082000000")
    hits = found("virt-overlap", "percpu_area_base", percpu_area_base="0xFFFFFFFF90000000",
                 fba_base="0xFFFFFFFF90000000")
    assert [v.other for v in hits] == ["FBA area"]


def test_smp_values_exported():
    """The C header and NASM include carry the trampoline, the per-CPU slot and the CPU limit."""
    layout, errors = L.parse_layout(context_with())
    header, nasm = G.render_c_header(layout), G.render_nasm(layout)
    assert re.search(r"#define LAYOUT_SMP_TRAMPOLINE +0xC000ULL", header)
    assert re.search(r"#define LAYOUT_PERCPU_SLOT_SIZE +0xA000ULL", header)
    assert re.search(r"#define LAYOUT_SMP_MAX_CPUS +0x10ULL", header)
    assert re.search(r"%define LAYOUT_SMP_TRAMPOLINE +0xC000", nasm)
    assert "AP trampoline" in G.render_memory_map(layout)
