#!/usr/bin/env python3
"""The memory layout of this kernel: the rules of layout.cfg, in one place.

Owns: strict parsing of every layout parameter, the tables of regions and
rules, and checking every rule (all violations at once, each naming the
parameter, its value, the rule and, for overlaps, the other region).

Leaves to others: tools/layout_gen.py turns a valid layout into the C
header, NASM include, linker-script and make includes, Bochs config and
docs/MemoryMap.md; the linker script asserts that the binaries fit.

Standard library only; runs on Python 3.8+. The template's
hooks/pre_gen_project.py embeds an identical copy of this file (rewritten by
the template's tools/sync_hook.py), so the hook and `make` apply the same rules.

Usage: python3 tools/layout.py LAYOUT_CFG   (checks it; exit 1 with the
       violations on stderr)
"""

import collections
import re
import sys

KIB = 1 << 10
MIB = 1 << 20
GIB = 1 << 30
PAGE = 0x1000
TOP = 1 << 64                       # one past the last 64-bit address

IVT_BDA_END = 0x500                 # interrupt vectors + BIOS data area
REAL_MODE_STACK = (0x7800, 0x7C00)  # stage1 sets SS:SP = 0:0x7C00
BOOT_SECTOR = (0x7C00, 0x7E00)
SEGMENT0_END = 0x10000              # segment 0 with 16-bit offsets
EBDA_BASE = 0x9FC00                 # lowest EBDA start on QEMU and Bochs
HOLE_BASE = 0xA0000                 # VGA memory and ROMs up to 1 MiB
ONE_MIB = 0x100000
TWO_MIB = 0x200000                  # the initial page tables map [0, 2 MiB)

FAT_BUFFER_SIZE = 0x2400            # 4608-byte FAT + a bounce buffer for reads
E820_BUFFER_SIZE = 0x1800           # boot-information block + E820 entries
STAGE2_MIN_SIZE = 0x1000
STAGE2_STACK_RESERVE = 0x1000
BOOT_PAGE_TABLES_SIZE = 4 * PAGE    # PML4, PDPT, PD, PT
PMM_BOOTSTRAP_SIZE = 3 * PAGE       # region struct, PMM-area PD, PMM-area PT

# Floors for the kernel's areas: the generated kernel's image is about 45 KiB
# and its BSS about 41 KiB (IST stacks with their guard pages, allocator
# state); the floors leave it room to grow, and `make size` shows the real
# figures.
KERNEL_LOAD_MIN = 128 * KIB
KERNEL_BSS_MIN = 48 * KIB
KERNEL_VIRT_MIN = 0xFFFFFFFF80000000   # -mcmodel=kernel: the top 2 GiB
KERNEL_WINDOW_SIZE = 4 * MIB           # two 2 MiB windows onto physical memory
PD_SPAN = GIB                           # one page directory maps 1 GiB
HIGHER_HALF = 0xFFFF800000000000       # canonical kernel half
PML4_SLOT_SIZE = 1 << 39                # one PML4 entry maps 512 GiB
FIRST_KERNEL_SLOT = 256                 # PML4 entries 256..511 map the higher half
LAPIC_PAGE_SIZE = PAGE

PHASES = collections.OrderedDict([
    (1, ("stage1", "the boot sector finds and loads STAGE2.BIN")),
    (2, ("stage2-load", "stage2 reads KERNEL.BIN through the FAT buffer; BIOS in use")),
    (3, ("stage2-info", "stage2 collects the E820 map and the RSDP; BIOS still in use")),
    (4, ("handoff", "no more BIOS calls: page tables built, long mode entered")),
    (5, ("kernel", "the kernel runs")),
])

LICENSES = ("MIT", "BSD-2-Clause", "Apache-2.0", "Unlicense")
COUNT_RANGES = {
    "acpi_area_pages": (1, 512),
    "emulator_cpus": (1, 64),
    "lapic_timer_hz": (10, 1000),
}
EMULATOR_MEMORY_RANGE = (32 * MIB, 1 << 40)

# --------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------

Param = collections.namedtuple("Param", "name kind default help")

PARAM_TABLE = (
    Param("project_name", "name", "My Kernel", "human-readable project name (C strings, docs)"),
    Param("project_slug", "slug", "my_kernel", "directory and file-name form of the name"),
    Param("author_name", "text", "Your Name", "copyright holder in LICENSE"),
    Param("short_description", "text",
          "A small x86_64 kernel that boots from its own BIOS loader.", "one-line summary"),
    Param("license", "license", "MIT", "license of the generated project"),
    Param("fat_buffer_addr", "address", "0x7E00", "stage1/stage2 FAT and root-directory buffer"),
    Param("e820_buffer_addr", "address", "0x8400", "boot-information block with the E820 map"),
    Param("stage2_addr", "address", "0xA400", "load address of STAGE2.BIN (area ends at 0x10000)"),
    Param("stage2_stack_top", "address", "0x9C000", "stage2 protected-mode stack top"),
    Param("boot_page_tables_addr", "address", "0x9C000", "initial PML4, PDPT, PD, PT"),
    Param("pmm_bootstrap_addr", "address", "0x99000", "three PMM bootstrap pages"),
    Param("kernel_stack_base", "address", "0x100000", "bottom of the initial kernel stack"),
    Param("kernel_stack_size", "size", "64K", "size of the initial kernel stack"),
    Param("kernel_bss_base", "address", "0x110000", "physical base of the kernel BSS"),
    Param("kernel_bss_size", "size", "64K", "room reserved for the kernel BSS"),
    Param("kernel_load_addr", "address", "0x120000", "physical address KERNEL.BIN is copied to"),
    Param("kernel_area_end", "address", "0x200000", "end of the kernel load area (exclusive)"),
    Param("kernel_virt_base", "address", "0xFFFFFFFF80000000", "virtual address of physical 0"),
    Param("pmm_area_base", "address", "0xFFFFFF8000000000", "virtual base of the PMM structures"),
    Param("pmm_area_size", "size", "128G", "virtual size of the PMM area (last page is a guard)"),
    Param("acpi_area_base", "address", "0xFFFFFFFF81000000", "virtual base where ACPI tables are mapped"),
    Param("acpi_area_pages", "count", "8", "pages in the ACPI area"),
    Param("automap_base", "address", "0xFFFFFFFF80400000", "virtual base of the debug automap area"),
    Param("automap_size", "size", "12M", "size of the debug automap area"),
    Param("automap_enabled", "switch", "y", "map pages on demand in the automap area (debug)"),
    Param("lapic_virt_addr", "address", "0xFFFF800000000000", "virtual address of the local APIC page"),
    Param("fba_base", "address", "0xFFFFFFFF90000000", "virtual base of the fixed-block allocator"),
    Param("fba_size", "size", "1G", "size of the fixed-block allocator area"),
    Param("emulator_memory", "size", "128M", "RAM given to QEMU and Bochs"),
    Param("emulator_cpus", "count", "1", "CPUs given to QEMU and Bochs"),
    Param("lapic_timer_hz", "count", "1000", "periodic local APIC timer rate"),
)
PARAM_BY_NAME = {p.name: p for p in PARAM_TABLE}
PARAMS = tuple(p.name for p in PARAM_TABLE)
TEMPLATE_ONLY = ("author_name", "short_description", "license")
CFG_KEYS = tuple(n for n in PARAMS if n not in TEMPLATE_ONLY)   # the keys of layout.cfg
DEFAULTS = {p.name: p.default for p in PARAM_TABLE}

# --------------------------------------------------------------------------
# Rules (the table is rendered into docs/MemoryMap.md)
# --------------------------------------------------------------------------

Rule = collections.namedtuple("Rule", "id text why params")

RULES = (
    Rule("key-unknown", "Every key is a known parameter.",
         "A misspelt key would otherwise be ignored silently.", ()),
    Rule("key-missing", "Every layout parameter is given.",
         "Each value is defined once, in layout.cfg; nothing falls back to a hidden default.", ()),
    Rule("cfg-syntax", "layout.cfg holds `key = value` lines, blank lines and `#` comment lines; each key once.",
         "A line the tool cannot read must not be skipped silently.", ()),
    Rule("parse-address", "Addresses are 0x followed by 1 to 16 hex digits, nothing else.",
         "Strict parsing: no decimal, signs, spaces or underscores that another tool might read differently.",
         tuple(p.name for p in PARAM_TABLE if p.kind == "address")),
    Rule("parse-size", "Sizes are a decimal or 0x-hex integer with an optional K, M or G suffix (binary), below 2^64.",
         "One size syntax everywhere; 64K means 65536.",
         tuple(p.name for p in PARAM_TABLE if p.kind == "size")),
    Rule("parse-switch", "Switches are y or n (any case).", "Anything else is a typo.", ("automap_enabled",)),
    Rule("parse-count", "Counts are decimal integers.", "Strict parsing.", tuple(COUNT_RANGES)),
    Rule("count-range", "acpi_area_pages is 1..512, emulator_cpus 1..64, lapic_timer_hz 10..1000.",
         "The ACPI area must hold at least one table page; QEMU and Bochs limits; a timer rate that "
         "emulators without KVM deliver on time (above 1 kHz, QEMU under TCG drops ticks).",
         tuple(COUNT_RANGES)),
    Rule("emulator-memory", "emulator_memory is 32M..1024G and a multiple of 1M.",
         "QEMU and Bochs take whole MiB; the kernel needs room above its first 2 MiB.", ("emulator_memory",)),
    Rule("project-name", "project_name is 1 to 60 printable ASCII characters, without \", \\, { or }, "
         "and without leading or trailing spaces.",
         "It is pasted into C strings, layout.cfg and docs.", ("project_name",)),
    Rule("project-slug", "project_slug matches ^[a-z][a-z0-9_]{0,39}$.",
         "It names the directory, the image and make variables.", ("project_slug",)),
    Rule("text", "author_name (1..100) and short_description (1..200) are printable, one line, "
         "without \", \\, { or }.", "They are pasted into LICENSE and docs.",
         ("author_name", "short_description")),
    Rule("license", "license is one of " + ", ".join(LICENSES) + ".",
         "Only these texts are in the template.", ("license",)),
    Rule("real-mode-window", "The FAT buffer, the E820 buffer and the stage2 area lie in [0x500, 0x10000).",
         "Stage1 and stage2 address them with segment 0 and 16-bit offsets, above the IVT and BIOS data area.",
         ("fat_buffer_addr", "e820_buffer_addr", "stage2_addr")),
    Rule("stage2-below-64k", "The stage2 area [stage2_addr, 0x10000) holds at least 0x1000 bytes.",
         "Stage1 loads STAGE2.BIN with segment 0 and 16-bit offsets; past 0x10000 it would wrap onto the IVT.",
         ("stage2_addr",)),
    Rule("align-16", "The FAT buffer, E820 buffer, stage2 address and stage2 stack top are 16-byte aligned.",
         "Paragraph alignment keeps real-mode segment arithmetic exact and the stack aligned.",
         ("fat_buffer_addr", "e820_buffer_addr", "stage2_addr", "stage2_stack_top")),
    Rule("stage2-stack-window", "The stage2 stack reserve [stage2_stack_top - 0x1000, stage2_stack_top) "
         "lies in [0x500, 0x9FC00).", "Conventional memory above the IVT/BDA and below the EBDA.",
         ("stage2_stack_top",)),
    Rule("boot-pages-window", "The boot page tables lie in [0x500, 0xA0000) and the PMM bootstrap pages in "
         "[0x500, 0x9FC00), or either in [0x100000, 0x200000).", "RAM below the VGA/ROM hole, or inside the "
         "first 2 MiB that the initial page tables map. The PMM bootstrap pages stay in use for good, so they "
         "keep out of the EBDA (stage2 checks INT 12h at boot); the page tables may cover it, as the seed's do.",
         ("boot_page_tables_addr", "pmm_bootstrap_addr")),
    Rule("page-align", "Page tables, PMM bootstrap pages, and the kernel stack, BSS and load area have 4 KiB "
         "aligned bases, ends and sizes.", "They are mapped and handed out page by page.",
         ("boot_page_tables_addr", "pmm_bootstrap_addr", "kernel_stack_base", "kernel_stack_size",
          "kernel_bss_base", "kernel_bss_size", "kernel_load_addr", "kernel_area_end")),
    Rule("kernel-phys-window", "The kernel stack, BSS and load area lie in [0x100000, 0x200000).",
         "Above the VGA/ROM hole; the initial page tables map only the first 2 MiB.",
         ("kernel_stack_base", "kernel_stack_size", "kernel_bss_base", "kernel_bss_size",
          "kernel_load_addr", "kernel_area_end")),
    Rule("kernel-stack-min", "kernel_stack_size is at least 8K.", "Exception frames and the boot path need it.",
         ("kernel_stack_size",)),
    Rule("kernel-bss-min", "kernel_bss_size is at least 48K.", "The kernel's static data (about 41 KiB now) must fit.",
         ("kernel_bss_size",)),
    Rule("kernel-load-min", "The kernel load area [kernel_load_addr, kernel_area_end) is at least 128K.",
         "KERNEL.BIN must fit.", ("kernel_load_addr", "kernel_area_end")),
    Rule("phys-overlap", "Two physical regions overlap only if their lifetimes (boot phases) are disjoint.",
         "A region written while another one is still in use corrupts it.",
         tuple(p.name for p in PARAM_TABLE[5:17])),
    Rule("kernel-virt-base", "kernel_virt_base is 2 MiB aligned, at or above 0xFFFFFFFF80000000, and the "
         "4 MiB kernel window above it ends at or below 2^64 without crossing a 1 GiB boundary.",
         "-mcmodel=kernel needs the top 2 GiB; the window is mapped with 2 MiB pages from one page "
         "directory.", ("kernel_virt_base",)),
    Rule("virt-align", "Virtual areas have 4 KiB aligned bases and non-zero 4 KiB multiple sizes.",
         "They are mapped page by page.",
         ("pmm_area_base", "pmm_area_size", "acpi_area_base", "automap_base", "automap_size",
          "lapic_virt_addr", "fba_base", "fba_size")),
    Rule("higher-half", "Virtual areas lie in [0xFFFF800000000000, 2^64).",
         "Canonical kernel half; the lower half is left for user space.",
         ("pmm_area_base", "acpi_area_base", "automap_base", "lapic_virt_addr", "fba_base")),
    Rule("virt-overlap", "The kernel window, PMM area, ACPI area, automap area (when enabled), LAPIC page and "
         "FBA do not overlap.", "Each area's page-table entries belong to one owner.",
         ("kernel_virt_base", "pmm_area_base", "acpi_area_base", "automap_base", "lapic_virt_addr", "fba_base")),
    Rule("page-table-slot", "At least one higher-half PML4 slot (512 GiB) is free of every virtual area.",
         "The kernel reaches its page tables through a recursive PML4 entry in the highest free slot.",
         ("pmm_area_size", "fba_size", "automap_size")),
    Rule("pmm-area-min", "pmm_area_size is at least 2M.", "The PMM keeps the area's last page unmapped as a "
         "guard and needs room before it.", ("pmm_area_size",)),
    Rule("fba-min", "fba_size is at least 64K.", "The bitmap block plus usable blocks.", ("fba_size",)),
    Rule("fba-bitmap", "The FBA bitmap (1 bit per 4 KiB block, ceil(blocks / 8 / 4096) blocks at the start) "
         "leaves at least one block.", "An allocator with no blocks is useless.", ("fba_size",)),
)
RULE_BY_ID = {r.id: r for r in RULES}

# --------------------------------------------------------------------------
# Regions (lifetimes are inclusive phase ranges)
# --------------------------------------------------------------------------

# shift says how a suggestion moves the region: "move" (base param, fixed
# size), "start" (only the start moves), "top" (the param is the end).
RegionSpec = collections.namedtuple("RegionSpec", "key name params lifetime purpose align shift extent")

PHYS_REGIONS = (
    RegionSpec("ivt_bda", "IVT and BIOS data area", (), (1, 3),
               "Real-mode interrupt vectors and BIOS variables; every BIOS call uses them.",
               1, None, lambda v: (0, IVT_BDA_END)),
    RegionSpec("rm_stack", "real-mode stack", (), (1, 3),
               "Stage1 sets SS:SP = 0:0x7C00; stage1 and stage2 use it while in real mode.",
               1, None, lambda v: REAL_MODE_STACK),
    RegionSpec("boot_sector", "boot sector", (), (1, 2),
               "Stage1 as loaded by the BIOS; stage2 reads the BPB from it.",
               1, None, lambda v: BOOT_SECTOR),
    RegionSpec("fat_buffer", "FAT buffer", ("fat_buffer_addr",), (1, 2),
               "Stage1 reads root-directory sectors, then the FAT (4608 bytes), into it; the FAT stays "
               "for stage2, which reads root-directory sectors and KERNEL.BIN through the rest.",
               16, "move", lambda v: (v["fat_buffer_addr"], v["fat_buffer_addr"] + FAT_BUFFER_SIZE)),
    RegionSpec("e820_buffer", "E820 buffer", ("e820_buffer_addr",), (3, 5),
               "Boot-information block with the E820 entries: filled by stage2, read by the kernel's PMM.",
               16, "move", lambda v: (v["e820_buffer_addr"], v["e820_buffer_addr"] + E820_BUFFER_SIZE)),
    RegionSpec("stage2", "stage2 area", ("stage2_addr",), (1, 4),
               "STAGE2.BIN (code, data, GDT), loaded by stage1 with segment 0 and 16-bit offsets.",
               16, "start", lambda v: (v["stage2_addr"], SEGMENT0_END)),
    RegionSpec("stage2_stack", "stage2 protected-mode stack", ("stage2_stack_top",), (4, 4),
               "Stack reserve below stage2_stack_top while stage2 builds page tables and enters long mode.",
               16, "top", lambda v: (v["stage2_stack_top"] - STAGE2_STACK_RESERVE, v["stage2_stack_top"])),
    RegionSpec("ebda", "EBDA", (), (1, 3),
               "Extended BIOS data area (lowest start seen on QEMU and Bochs); stage2 scans it for the RSDP.",
               1, None, lambda v: (EBDA_BASE, HOLE_BASE)),
    RegionSpec("hole", "VGA/ROM hole", (), (1, 5),
               "Video memory and option and system ROMs; never usable RAM.",
               1, None, lambda v: (HOLE_BASE, ONE_MIB)),
    RegionSpec("page_tables", "boot page tables", ("boot_page_tables_addr",), (4, 5),
               "PML4, PDPT, PD and PT built by stage2; the kernel keeps using them.",
               PAGE, "move",
               lambda v: (v["boot_page_tables_addr"], v["boot_page_tables_addr"] + BOOT_PAGE_TABLES_SIZE)),
    RegionSpec("pmm_bootstrap", "PMM bootstrap pages", ("pmm_bootstrap_addr",), (5, 5),
               "Region struct and stack bottom, PMM-area page directory and page table, "
               "used before the PMM can allocate.",
               PAGE, "move", lambda v: (v["pmm_bootstrap_addr"], v["pmm_bootstrap_addr"] + PMM_BOOTSTRAP_SIZE)),
    RegionSpec("kernel_stack", "kernel stack", ("kernel_stack_base", "kernel_stack_size"), (5, 5),
               "Initial long-mode stack; stage2 sets RSP to its top.",
               PAGE, "move",
               lambda v: (v["kernel_stack_base"], v["kernel_stack_base"] + v["kernel_stack_size"])),
    RegionSpec("kernel_bss", "kernel BSS", ("kernel_bss_base", "kernel_bss_size"), (5, 5),
               "The kernel's zero-initialised data, cleared by the kernel entry.",
               PAGE, "move", lambda v: (v["kernel_bss_base"], v["kernel_bss_base"] + v["kernel_bss_size"])),
    RegionSpec("kernel_load", "kernel load area", ("kernel_load_addr", "kernel_area_end"), (2, 5),
               "KERNEL.BIN, copied above 1 MiB by stage2; the kernel runs from here.",
               PAGE, "start", lambda v: (v["kernel_load_addr"], v["kernel_area_end"])),
)

VIRT_REGIONS = (
    RegionSpec("kernel_window", "kernel window", ("kernel_virt_base",), None,
               "Physical [0, 4 MiB) at kernel_virt_base: the first 2 MiB from boot, the second mapped by the kernel.",
               2 * MIB, "move", lambda v: (v["kernel_virt_base"], v["kernel_virt_base"] + KERNEL_WINDOW_SIZE)),
    RegionSpec("pmm_area", "PMM area", ("pmm_area_base", "pmm_area_size"), None,
               "PMM structures, mapped on demand; the last page is an unmapped guard page.",
               PAGE, "move", lambda v: (v["pmm_area_base"], v["pmm_area_base"] + v["pmm_area_size"])),
    RegionSpec("acpi_area", "ACPI area", ("acpi_area_base", "acpi_area_pages"), None,
               "ACPI tables mapped read-only where they lie in physical memory.",
               PAGE, "move", lambda v: (v["acpi_area_base"], v["acpi_area_base"] + v["acpi_area_pages"] * PAGE)),
    RegionSpec("automap", "automap area", ("automap_base", "automap_size"), None,
               "Debug only: a page fault here maps a fresh page and resumes.",
               PAGE, "move", lambda v: (v["automap_base"], v["automap_base"] + v["automap_size"])),
    RegionSpec("lapic", "LAPIC page", ("lapic_virt_addr",), None,
               "The local APIC registers, mapped uncached.",
               PAGE, "move", lambda v: (v["lapic_virt_addr"], v["lapic_virt_addr"] + LAPIC_PAGE_SIZE)),
    RegionSpec("fba", "FBA area", ("fba_base", "fba_size"), None,
               "Fixed-block allocator: bitmap blocks at the start, then 4 KiB blocks backed by PMM pages.",
               PAGE, "move", lambda v: (v["fba_base"], v["fba_base"] + v["fba_size"])),
)


# The boot paths each physical region serves. The UEFI loader
# (boot/uefi/areas.c) claims UEFI_CLAIMED_REGIONS from the firmware with
# AllocatePages at their addresses and fills them as stage2 does; every other
# region belongs to the BIOS path only (under UEFI the firmware owns that
# memory and the loader never touches it), except the VGA/ROM hole, which is
# the machine's either way.
UEFI_CLAIMED_REGIONS = ("e820_buffer", "page_tables", "pmm_bootstrap", "kernel_stack", "kernel_bss",
                        "kernel_load")
MACHINE_REGIONS = ("hole",)


def boot_paths_text(key):
    """Which boot paths use the physical region `key`, for the docs."""
    if key in MACHINE_REGIONS:
        return "machine"
    return "BIOS, UEFI" if key in UEFI_CLAIMED_REGIONS else "BIOS only"

class Region(object):
    """A region with concrete bounds [start, end)."""

    def __init__(self, spec, start, end):
        self.spec, self.start, self.end = spec, start, end
        self.key, self.name, self.params = spec.key, spec.name, spec.params
        self.lifetime = spec.lifetime

    @property
    def size(self):
        return self.end - self.start


def _regions(specs, v):
    """The regions whose parameters parsed; the rest are skipped."""
    out = []
    for spec in specs:
        if spec.key == "automap" and v.get("automap_enabled") is not True:
            continue
        try:
            start, end = spec.extent(v)
        except KeyError:
            continue
        out.append(Region(spec, start, end))
    return out


def phys_regions(v):
    return _regions(PHYS_REGIONS, v)


def virt_regions(v):
    return _regions(VIRT_REGIONS, v)


# --------------------------------------------------------------------------
# Violations and formatting helpers
# --------------------------------------------------------------------------

class Violation(object):
    """One broken rule: .param .value (the raw text) .rule (id) .message; .other names the other region."""

    def __init__(self, param, value, rule, message, other=None):
        self.param, self.value, self.rule, self.other = param, value, rule, other
        self.message = "[%s] %s = %r: %s" % (rule, param, value, message)

    def __str__(self):
        return self.message

    def __repr__(self):
        return "Violation(%r)" % self.message


def hx(n):
    return "0x%X" % n


def rng(start, end):
    return "[%s, %s)" % (hx(start), hx(end))


def human(n):
    for unit, name in ((1 << 40, "TiB"), (GIB, "GiB"), (MIB, "MiB"), (KIB, "KiB")):
        if n >= unit and n % unit == 0:
            return "%d %s" % (n // unit, name)
    return "%d bytes" % n


def size_text(n):
    """The shortest layout.cfg spelling of a size: 2M, 64K, or bytes."""
    for unit, suffix in ((GIB, "G"), (MIB, "M"), (KIB, "K")):
        if n >= unit and n % unit == 0:
            return "%d%s" % (n // unit, suffix)
    return str(n)


def lifetime_text(lifetime):
    first, last = lifetime
    return str(first) if first == last else "%d-%d" % (first, last)


def align_up(n, a):
    return (n + a - 1) // a * a


def align_down(n, a):
    return n // a * a


def phases_text(first, last):
    names = ", ".join("%d %s" % (p, PHASES[p][0]) for p in range(first, last + 1))
    return ("phase " if first == last else "phases ") + names


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------

ADDRESS_RE = re.compile(r"0[xX][0-9a-fA-F]{1,16}")
SIZE_RE = re.compile(r"(0[xX][0-9a-fA-F]{1,16}|[0-9]{1,20})([kKmMgG]?)")
COUNT_RE = re.compile(r"[0-9]{1,9}")
SLUG_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
SUFFIX = {"": 1, "k": KIB, "m": MIB, "g": GIB}
FORBIDDEN_TEXT = set('"\\{}')


def parse_address(text):
    """(int, None) or (None, what was expected)."""
    if isinstance(text, str) and ADDRESS_RE.fullmatch(text):
        return int(text[2:], 16), None
    return None, "expected an address: 0x followed by 1 to 16 hex digits, nothing else (e.g. 0x7E00)"


def parse_size(text):
    """(int, None) or (None, what was expected)."""
    expected = "expected a size: a decimal or 0x-hex integer with an optional K, M or G suffix (e.g. 64K, 0x10000)"
    match = SIZE_RE.fullmatch(text) if isinstance(text, str) else None
    if not match:
        return None, expected
    digits, suffix = match.groups()
    number = int(digits, 16) if digits[:2].lower() == "0x" else int(digits, 10)
    value = number * SUFFIX[suffix.lower()]
    if value >= TOP:
        return None, "the size does not fit in 64 bits (%s)" % expected[9:]
    return value, None


def parse_switch(text):
    if isinstance(text, str) and text.lower() in ("y", "n"):
        return text.lower() == "y", None
    return None, "expected y or n"


def parse_count(name, text):
    low, high = COUNT_RANGES[name]
    if isinstance(text, str) and COUNT_RE.fullmatch(text):
        return int(text, 10), None
    return None, "expected a decimal integer from %d to %d" % (low, high)


def _check_name(text):
    if not isinstance(text, str) or not 1 <= len(text) <= 60:
        return "expected 1 to 60 printable ASCII characters"
    if any(not " " <= c <= "~" for c in text):
        return "expected printable ASCII characters only (it is pasted into C strings)"
    if FORBIDDEN_TEXT & set(text):
        return "may not contain \", \\, { or } (it is pasted into C strings and docs)"
    if text != text.strip():
        return "may not start or end with a space"
    return None


def _check_text(name, text):
    limit = 100 if name == "author_name" else 200
    if not isinstance(text, str) or not 1 <= len(text) <= limit:
        return "expected 1 to %d printable characters" % limit
    if not text.isprintable():
        return "expected printable characters on one line"
    if FORBIDDEN_TEXT & set(text):
        return "may not contain \", \\, { or }"
    return None


def _parse_one(param, text):
    """(value, rule id of the error, message) for one parameter."""
    kind = param.kind
    if kind == "address":
        value, err = parse_address(text)
        return value, "parse-address", err
    if kind == "size":
        value, err = parse_size(text)
        if err is None and param.name == "emulator_memory":
            err = _check_emulator_memory(value)
            return value, "emulator-memory", err
        return value, "parse-size", err
    if kind == "switch":
        value, err = parse_switch(text)
        return value, "parse-switch", err
    if kind == "count":
        value, err = parse_count(param.name, text)
        if err is None:
            low, high = COUNT_RANGES[param.name]
            if not low <= value <= high:
                return value, "count-range", "must be from %d to %d" % (low, high)
        return value, "parse-count", err
    if kind == "name":
        return text, "project-name", _check_name(text)
    if kind == "slug":
        ok = isinstance(text, str) and SLUG_RE.fullmatch(text)
        return text, "project-slug", None if ok else (
            "expected a lower-case letter, then up to 39 lower-case letters, digits or underscores")
    if kind == "license":
        ok = isinstance(text, str) and text in LICENSES
        return text, "license", None if ok else "expected one of " + ", ".join(LICENSES)
    return text, "text", _check_text(param.name, text)


def _check_emulator_memory(value):
    low, high = EMULATOR_MEMORY_RANGE
    if not low <= value <= high:
        return "must be from 32M to 1024G"
    if value % MIB:
        return "must be a multiple of 1M: use %dM" % (align_up(value, MIB) // MIB)
    return None


# --------------------------------------------------------------------------
# Rule checks: each takes the parsed values and returns violations; a check
# skips what did not parse (that already has its own violation).
# --------------------------------------------------------------------------

def _v(v, raw, param, rule, message, other=None):
    return Violation(param, raw.get(param), rule, message, other)


def _check_real_mode_window(v, raw):
    out = []
    for r in phys_regions(v):
        if r.key in ("fat_buffer", "e820_buffer") and (r.start < IVT_BDA_END or r.end > SEGMENT0_END):
            out.append(_v(v, raw, r.params[0], "real-mode-window",
                          "the %s %s must lie in [0x500, 0x10000) (segment 0, 16-bit offsets, above the "
                          "IVT/BDA): use a value from 0x500 to %s"
                          % (r.name, rng(r.start, r.end), hx(align_down(SEGMENT0_END - r.size, 16)))))
        if r.key == "stage2" and r.start < IVT_BDA_END:
            out.append(_v(v, raw, "stage2_addr", "real-mode-window",
                          "the stage2 area %s starts inside the IVT/BIOS data area [0x0, 0x500): "
                          "use 0x500 or above" % rng(r.start, r.end)))
    return out


def _check_stage2_below_64k(v, raw):
    if "stage2_addr" not in v or v["stage2_addr"] + STAGE2_MIN_SIZE <= SEGMENT0_END:
        return []
    start = v["stage2_addr"]
    what = ("starts at or above 0x10000, which segment 0 with 16-bit offsets cannot reach"
            if start >= SEGMENT0_END else
            "the stage2 area [%s, 0x10000) holds only %d bytes" % (hx(start), SEGMENT0_END - start))
    return [_v(v, raw, "stage2_addr", "stage2-below-64k",
               "%s; stage1 loads STAGE2.BIN with segment 0 and 16-bit offsets, so the area ends at 0x10000 "
               "and needs at least 0x1000 bytes: use stage2_addr 0xF000 or below" % what)]


def _check_align_16(v, raw):
    out = []
    for name in ("fat_buffer_addr", "e820_buffer_addr", "stage2_addr", "stage2_stack_top"):
        if name in v and v[name] % 16:
            out.append(_v(v, raw, name, "align-16",
                          "must be a multiple of 16: use %s" % hx(align_up(v[name], 16))))
    return out


def _check_stage2_stack_window(v, raw):
    if "stage2_stack_top" not in v:
        return []
    top = v["stage2_stack_top"]
    if top - STAGE2_STACK_RESERVE >= IVT_BDA_END and top <= EBDA_BASE:
        return []
    return [_v(v, raw, "stage2_stack_top", "stage2-stack-window",
               "the stage2 stack reserve %s must lie in [0x500, 0x9FC00) (conventional memory below the "
               "EBDA): use a top from 0x1500 to 0x9FC00" % rng(top - STAGE2_STACK_RESERVE, top))]


def _check_boot_pages_window(v, raw):
    out = []
    for r in phys_regions(v):
        if r.key not in ("page_tables", "pmm_bootstrap"):
            continue
        low_end = HOLE_BASE if r.key == "page_tables" else EBDA_BASE
        low_ok = r.start >= IVT_BDA_END and r.end <= low_end
        high_ok = r.start >= ONE_MIB and r.end <= TWO_MIB
        if not (low_ok or high_ok):
            where = ("below the VGA/ROM hole" if r.key == "page_tables"
                     else "below the EBDA, since the kernel keeps using them")
            out.append(_v(v, raw, r.params[0], "boot-pages-window",
                          "the %s %s must lie in [0x500, %s) or in [0x100000, 0x200000) (%s, or in the "
                          "first 2 MiB the initial page tables map): use a value from 0x1000 to %s or from "
                          "0x100000 to %s"
                          % (r.name, rng(r.start, r.end), hx(low_end), where,
                             hx((low_end - r.size) // PAGE * PAGE), hx(TWO_MIB - r.size))))
    return out


def _check_page_align(v, raw):
    out = []
    for name in ("boot_page_tables_addr", "pmm_bootstrap_addr", "kernel_stack_base", "kernel_stack_size",
                 "kernel_bss_base", "kernel_bss_size", "kernel_load_addr", "kernel_area_end"):
        if name in v and v[name] % PAGE:
            fix = align_up(v[name], PAGE)
            hint = hx(fix) if PARAM_BY_NAME[name].kind == "address" else size_text(fix)
            out.append(_v(v, raw, name, "page-align", "must be a multiple of 4 KiB (0x1000): use %s" % hint))
    return out


def _check_kernel_phys_window(v, raw):
    out = []
    for r in phys_regions(v):
        if r.key not in ("kernel_stack", "kernel_bss", "kernel_load"):
            continue
        why = ("the %s %s must lie in [0x100000, 0x200000) (above the VGA/ROM hole, inside the first 2 MiB "
               "the initial page tables map)" % (r.name, rng(r.start, r.end)))
        if r.key == "kernel_load":
            if r.start < ONE_MIB:
                out.append(_v(v, raw, "kernel_load_addr", "kernel-phys-window", why + ": use 0x100000 or above"))
            if r.end > TWO_MIB:
                out.append(_v(v, raw, "kernel_area_end", "kernel-phys-window", why + ": use 0x200000 or below"))
        elif r.start < ONE_MIB or r.end > TWO_MIB:
            hint = ": use a base from 0x100000 to %s" % hx(TWO_MIB - r.size) if r.size <= MIB else ""
            out.append(_v(v, raw, r.params[0], "kernel-phys-window", why + hint))
    return out


def _check_minimum(rule, name, minimum, what):
    def check(v, raw):
        if name in v and v[name] < minimum:
            return [_v(v, raw, name, rule, "the %s is %s; it must be at least %s: use %s"
                       % (what, human(v[name]), human(minimum), size_text(minimum)))]
        return []
    return check


def _check_kernel_load_min(v, raw):
    if "kernel_load_addr" not in v or "kernel_area_end" not in v:
        return []
    start, end = v["kernel_load_addr"], v["kernel_area_end"]
    if end - start >= KERNEL_LOAD_MIN:
        return []
    size = "empty" if end <= start else "%s" % human(end - start)
    return [_v(v, raw, "kernel_area_end", "kernel-load-min",
               "the kernel load area %s is %s; it must hold at least %s: use kernel_area_end %s or above"
               % (rng(start, end), size, human(KERNEL_LOAD_MIN), hx(start + KERNEL_LOAD_MIN)))]


def _region_ref(r, raw):
    if not r.params:
        return "the %s (fixed) %s" % (r.name, rng(r.start, r.end))
    given = ", ".join("%s = %r" % (p, raw.get(p)) for p in r.params)
    return "the %s (%s) %s" % (r.name, given, rng(r.start, r.end))


def _move_hint(mover, other):
    """A value of mover's first parameter that clears other."""
    spec, name = mover.spec, mover.params[0]
    if spec.shift == "top":
        above = align_up(other.end, spec.align) + mover.size
        below = align_down(other.start, spec.align)
        text = "set %s to %s or above" % (name, hx(above))
        if below - mover.size >= 0:
            text += ", or to %s or below" % hx(below)
        return text
    above = align_up(other.end, spec.align)
    text = "set %s to %s or above (past the %s)" % (name, hx(above), other.name)
    if spec.shift == "move" and other.start - mover.size >= 0:
        text += ", or to %s or below" % hx(align_down(other.start - mover.size, spec.align))
    return text


def _pick_mover(a, b, raw):
    """(mover, other): the region to move is one with parameters, preferably
    the one whose values differ from the defaults, else the later one."""
    if not a.params:
        return b, a
    if not b.params:
        return a, b
    a_default = all(raw.get(p) == DEFAULTS[p] for p in a.params)
    b_default = all(raw.get(p) == DEFAULTS[p] for p in b.params)
    return (a, b) if b_default and not a_default else (b, a)


def _overlaps(a, b):
    return a.start < b.end and b.start < a.end


def _check_phys_overlap(v, raw):
    out = []
    regions = phys_regions(v)
    for i, a in enumerate(regions):
        for b in regions[i + 1:]:
            first, last = max(a.lifetime[0], b.lifetime[0]), min(a.lifetime[1], b.lifetime[1])
            if first > last or not _overlaps(a, b):
                continue
            mover, other = _pick_mover(a, b, raw)
            out.append(_v(v, raw, mover.params[0], "phys-overlap",
                          "%s overlaps %s; both are live in %s: %s"
                          % (_region_ref(mover, raw), _region_ref(other, raw), phases_text(first, last),
                             _move_hint(mover, other)), other=other.name))
    return out


def _check_kernel_virt_base(v, raw):
    if "kernel_virt_base" not in v:
        return []
    base, out = v["kernel_virt_base"], []
    if base % (2 * MIB):
        fix = min(align_up(max(base, KERNEL_VIRT_MIN), 2 * MIB), TOP - KERNEL_WINDOW_SIZE)
        out.append(_v(v, raw, "kernel_virt_base", "kernel-virt-base",
                      "must be a multiple of 2 MiB (0x200000), the kernel window is mapped with 2 MiB pages: "
                      "use %s" % hx(fix)))
    if base < KERNEL_VIRT_MIN:
        out.append(_v(v, raw, "kernel_virt_base", "kernel-virt-base",
                      "must be at or above 0xFFFFFFFF80000000 (-mcmodel=kernel links the kernel into the top "
                      "2 GiB): use 0xFFFFFFFF80000000"))
    if base + KERNEL_WINDOW_SIZE > TOP:
        out.append(_v(v, raw, "kernel_virt_base", "kernel-virt-base",
                      "the 4 MiB kernel window %s must end at or below 2^64: use 0xFFFFFFFFFFC00000 or below"
                      % rng(base, base + KERNEL_WINDOW_SIZE)))
    elif base // PD_SPAN != (base + KERNEL_WINDOW_SIZE - 1) // PD_SPAN:
        boundary = align_up(base, PD_SPAN)
        out.append(_v(v, raw, "kernel_virt_base", "kernel-virt-base",
                      "the 4 MiB kernel window %s crosses the 1 GiB boundary at %s, but it is mapped from "
                      "one page directory: use %s" % (rng(base, base + KERNEL_WINDOW_SIZE), hx(boundary),
                                                     hx(boundary - KERNEL_WINDOW_SIZE))))
    return out


VIRT_ALIGNED = ("pmm_area_base", "pmm_area_size", "acpi_area_base", "automap_base", "automap_size",
                "lapic_virt_addr", "fba_base", "fba_size")


def _check_virt_align(v, raw):
    out = []
    for name in VIRT_ALIGNED:
        if name.startswith("automap") and v.get("automap_enabled") is not True:
            continue
        if name in v and v[name] % PAGE:
            fix = align_up(v[name], PAGE)
            hint = hx(fix) if PARAM_BY_NAME[name].kind == "address" else size_text(fix)
            out.append(_v(v, raw, name, "virt-align", "must be a multiple of 4 KiB (0x1000): use %s" % hint))
    if v.get("automap_enabled") is True and v.get("automap_size") == 0:
        out.append(_v(v, raw, "automap_size", "virt-align", "must not be 0 while automap_enabled is y: use 4K"))
    return out


def _check_higher_half(v, raw):
    out = []
    for r in virt_regions(v):
        if r.key == "kernel_window" or (r.start >= HIGHER_HALF and r.end <= TOP):
            continue
        hint = (": use a base from 0xFFFF800000000000 to %s" % hx(align_down(TOP - r.size, PAGE))
                if r.size <= TOP - HIGHER_HALF else "")
        out.append(_v(v, raw, r.params[0], "higher-half",
                      "the %s %s must lie in the canonical higher half [0xFFFF800000000000, 2^64)%s"
                      % (r.name, rng(r.start, r.end), hint)))
    return out


def _check_virt_overlap(v, raw):
    out = []
    regions = virt_regions(v)
    for i, a in enumerate(regions):
        for b in regions[i + 1:]:
            if _overlaps(a, b):
                mover, other = _pick_mover(a, b, raw)
                out.append(_v(v, raw, mover.params[0], "virt-overlap", "%s overlaps %s: %s"
                              % (_region_ref(mover, raw), _region_ref(other, raw), _move_hint(mover, other)),
                              other=other.name))
    return out


def _check_fba_bitmap(v, raw):
    size = v.get("fba_size")
    if size is None or size % PAGE or size == 0:
        return []
    blocks = size // PAGE
    if blocks - fba_bitmap_blocks(blocks) >= 1:
        return []
    return [_v(v, raw, "fba_size", "fba-bitmap",
               "%d block(s) of 4 KiB, all taken by the bitmap; none left to allocate: use 64K or more" % blocks)]


def fba_bitmap_blocks(blocks):
    """Blocks taken by the FBA bitmap: 1 bit per block, rounded up to whole 4 KiB blocks."""
    return (blocks + 8 * PAGE - 1) // (8 * PAGE)


def pml4_slot(address):
    """The PML4 index of a virtual address."""
    return (address >> 39) & 0x1FF


def page_table_slot(v):
    """The highest higher-half PML4 slot no virtual area touches, or None.

    The kernel maps its PML4 into itself there (a recursive entry), so every
    page table has a virtual address inside that slot's 512 GiB."""
    used = set()
    for r in virt_regions(v):
        if r.end > r.start:
            used.update(range(pml4_slot(r.start), pml4_slot(r.end - 1) + 1))
    free = [slot for slot in range(FIRST_KERNEL_SLOT, 512) if slot not in used]
    return free[-1] if free else None


def _check_page_table_slot(v, raw):
    regions = virt_regions(v)
    if len(regions) < len(VIRT_REGIONS) - (0 if v.get("automap_enabled") is True else 1):
        return []      # an area did not parse; it has its own violation
    if page_table_slot(v) is not None:
        return []
    biggest = max((r for r in regions if len(r.spec.params) > 1), key=lambda r: r.size)
    param = biggest.spec.params[1]
    return [_v(v, raw, param, "page-table-slot",
               "the virtual areas touch all 256 higher-half PML4 slots (512 GiB each), leaving none for "
               "the kernel's recursive page-table mapping: make the %s smaller" % biggest.name)]


CHECKS = (
    _check_real_mode_window,
    _check_stage2_below_64k,
    _check_align_16,
    _check_stage2_stack_window,
    _check_boot_pages_window,
    _check_page_align,
    _check_kernel_phys_window,
    _check_minimum("kernel-stack-min", "kernel_stack_size", 8 * KIB, "kernel stack"),
    _check_minimum("kernel-bss-min", "kernel_bss_size", KERNEL_BSS_MIN, "kernel BSS"),
    _check_kernel_load_min,
    _check_phys_overlap,
    _check_kernel_virt_base,
    _check_virt_align,
    _check_higher_half,
    _check_virt_overlap,
    _check_page_table_slot,
    _check_minimum("pmm-area-min", "pmm_area_size", 2 * MIB, "PMM area"),
    _check_minimum("fba-min", "fba_size", 64 * KIB, "FBA area"),
    _check_fba_bitmap,
)


# --------------------------------------------------------------------------
# The parsed layout and the public entry points
# --------------------------------------------------------------------------

class Layout(object):
    """A valid layout: attributes named like the parameters (ints, bools, strings); .raw keeps the text."""

    def __init__(self, values, raw):
        self.__dict__.update(values)
        self.raw = dict(raw)

    @property
    def values(self):
        return {name: getattr(self, name) for name in PARAMS if hasattr(self, name)}

    def phys_regions(self):
        return phys_regions(self.values)

    def virt_regions(self):
        return virt_regions(self.values)

    @property
    def page_table_slot(self):
        return page_table_slot(self.values)

    @property
    def fba_blocks(self):
        return self.fba_size // PAGE

    @property
    def fba_bitmap_blocks(self):
        return fba_bitmap_blocks(self.fba_blocks)

    @property
    def emulator_memory_mib(self):
        return self.emulator_memory // MIB


def _check_keys(values, allowed):
    out = []
    for key in values:
        if isinstance(key, str) and key.startswith("_"):
            continue                                  # cookiecutter's private keys
        if key not in allowed:
            out.append(Violation(str(key), values[key], "key-unknown",
                                 "unknown parameter; the parameters are: " + ", ".join(allowed)))
    for key in CFG_KEYS:
        if key not in values:
            out.append(Violation(key, None, "key-missing", "missing; add it (default %s)" % DEFAULTS[key]))
    return out


def parse_layout(values, allowed=PARAMS):
    """(Layout, []) when every rule holds, else (None, [Violation, ...]) listing all of them.

    values maps parameter names to strings (cookiecutter's context or
    layout.cfg); keys starting with "_" are ignored. Never raises.
    """
    if not isinstance(values, dict):
        return None, [Violation("(input)", values, "key-missing", "expected a mapping of parameters")]
    raw = {k: values[k] for k in values if k in PARAM_BY_NAME}
    violations = _check_keys(values, allowed)
    parsed = {}
    for name in PARAMS:
        if name not in raw:
            continue
        value, rule, err = _parse_one(PARAM_BY_NAME[name], raw[name])
        if err is None:
            parsed[name] = value
        else:
            violations.append(Violation(name, raw[name], rule, err))
    for check in CHECKS:
        violations.extend(check(parsed, raw))
    if violations:
        return None, violations
    return Layout(parsed, raw), []


def validate(values):
    """Every violation of every rule for this mapping of parameter strings; [] when valid."""
    return parse_layout(values)[1]


def read_layout_file(path):
    """(dict of key -> value text, [Violation]) for a layout.cfg file.

    Lines are `key = value`, blank, or comments starting with `#` (whole
    lines only: a value may contain #). Never raises.
    """
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [Violation("(file)", str(path), "cfg-syntax", "cannot read it: %s" % exc)]
    values, out = {}, []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, value = stripped.partition("=")
        key = key.strip()
        if not sep or not re.fullmatch(r"[a-z][a-z0-9_]*", key):
            out.append(Violation("line %d" % number, line, "cfg-syntax", "expected `key = value` or a # comment"))
        elif key in values:
            out.append(Violation(key, value.strip(), "cfg-syntax", "given twice (again on line %d)" % number))
        else:
            values[key] = value.strip()
    return values, out


def load_layout(path):
    """(Layout or None, [Violation]) for a layout.cfg file: read_layout_file + parse_layout."""
    values, out = read_layout_file(path)
    if out:
        return None, out
    return parse_layout(values, allowed=CFG_KEYS)


def main(argv=None):
    """Check a layout.cfg file; print every violation; 0 when it is valid."""
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 1:
        sys.stderr.write("usage: layout.py LAYOUT_CFG\n")
        return 2
    layout, violations = load_layout(args[0])
    report_violations(args[0], violations)
    return 0 if layout is not None else 1


def report_violations(path, violations):
    """Print violations the way every tool here does."""
    for violation in violations:
        sys.stderr.write("%s: error: %s\n" % (path, violation))
    if violations:
        sys.stderr.write("%s: %d error(s); nothing was generated\n" % (path, len(violations)))


if __name__ == "__main__":
    sys.exit(main())
