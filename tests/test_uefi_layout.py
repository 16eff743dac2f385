"""The layout's account of the UEFI path matches the loader's code."""
import os
import re

from conftest import LAYOUT, TEMPLATE_DIR

AREAS_C = os.path.join(TEMPLATE_DIR, "boot", "uefi", "areas.c")

# layout.py region key -> the LAYOUT_ symbol of its start in build/gen/layout.h
REGION_SYMBOL = {
    "e820_buffer": "LAYOUT_E820_BUFFER",
    "page_tables": "LAYOUT_BOOT_PAGE_TABLES",
    "pmm_bootstrap": "LAYOUT_PMM_BOOTSTRAP",
    "kernel_stack": "LAYOUT_KERNEL_STACK_BASE",
    "kernel_bss": "LAYOUT_KERNEL_BSS_BASE",
    "kernel_load": "LAYOUT_KERNEL_LOAD_ADDR",
    "fat_buffer": "LAYOUT_FAT_BUFFER",
    "stage2": "LAYOUT_STAGE2_ADDR",
    "stage2_stack": "LAYOUT_STAGE2_STACK_TOP",
    "smp_trampoline": "LAYOUT_SMP_TRAMPOLINE",
}


def claimed_symbols():
    """The start symbols of the areas boot/uefi/areas.c claims."""
    source = open(AREAS_C).read()
    start = source.index("static struct area areas[]")
    table = source[start:source.index("};", start)]
    return set(re.findall(r"\{\"[^\"]+\", (LAYOUT_[A-Z0-9_]+),", table))


def test_uefi_loader_claims_exactly_the_regions_the_layout_marks():
    """Every region the docs mark "BIOS, UEFI" is claimed by the loader, and
    no "BIOS only" region is."""
    marked = {REGION_SYMBOL[key] for key in LAYOUT.UEFI_CLAIMED_REGIONS}
    assert claimed_symbols() == marked


def test_every_physical_region_names_its_boot_path():
    texts = {spec.key: LAYOUT.boot_paths_text(spec.key) for spec in LAYOUT.PHYS_REGIONS}
    assert texts["stage2"] == "BIOS only"
    assert texts["fat_buffer"] == "BIOS only"
    assert texts["kernel_load"] == "BIOS, UEFI"
    assert texts["hole"] == "machine"
    assert set(LAYOUT.UEFI_CLAIMED_REGIONS) <= set(texts)
