#!/usr/bin/env python3
"""Pre-generation hook: check every parameter before anything is written.

Cookiecutter renders this file with Jinja, then runs it in the new, still
empty project directory. Jinja appears only in CONTEXT_JSON below (one value
per line, through the `tojson` filter, inside a raw string), so the
unrendered file is valid Python and tests can import it and call validate().

The rules live in tools/layout.py of the generated project; an identical copy
is embedded below (hooks run as isolated copies and cannot import from the
template). Run `python3 tools/sync_hook.py` after editing that file; a test
fails while the copy differs. Standard library only.
"""

import json
import sys
import types

CONTEXT_JSON = r'''
{
"project_name": {{ cookiecutter.project_name | tojson }},
"project_slug": {{ cookiecutter.project_slug | tojson }},
"author_name": {{ cookiecutter.author_name | tojson }},
"short_description": {{ cookiecutter.short_description | tojson }},
"license": {{ cookiecutter.license | tojson }},
"fat_buffer_addr": {{ cookiecutter.fat_buffer_addr | tojson }},
"e820_buffer_addr": {{ cookiecutter.e820_buffer_addr | tojson }},
"stage2_addr": {{ cookiecutter.stage2_addr | tojson }},
"stage2_stack_top": {{ cookiecutter.stage2_stack_top | tojson }},
"boot_page_tables_addr": {{ cookiecutter.boot_page_tables_addr | tojson }},
"pmm_bootstrap_addr": {{ cookiecutter.pmm_bootstrap_addr | tojson }},
"kernel_stack_base": {{ cookiecutter.kernel_stack_base | tojson }},
"kernel_stack_size": {{ cookiecutter.kernel_stack_size | tojson }},
"kernel_bss_base": {{ cookiecutter.kernel_bss_base | tojson }},
"kernel_bss_size": {{ cookiecutter.kernel_bss_size | tojson }},
"kernel_load_addr": {{ cookiecutter.kernel_load_addr | tojson }},
"kernel_area_end": {{ cookiecutter.kernel_area_end | tojson }},
"kernel_virt_base": {{ cookiecutter.kernel_virt_base | tojson }},
"pmm_area_base": {{ cookiecutter.pmm_area_base | tojson }},
"pmm_area_size": {{ cookiecutter.pmm_area_size | tojson }},
"acpi_area_base": {{ cookiecutter.acpi_area_base | tojson }},
"acpi_area_pages": {{ cookiecutter.acpi_area_pages | tojson }},
"automap_enabled": {{ cookiecutter.automap_enabled | tojson }},
"automap_base": {{ cookiecutter.automap_base | tojson }},
"automap_size": {{ cookiecutter.automap_size | tojson }},
"lapic_virt_addr": {{ cookiecutter.lapic_virt_addr | tojson }},
"fba_base": {{ cookiecutter.fba_base | tojson }},
"fba_size": {{ cookiecutter.fba_size | tojson }},
"emulator_memory": {{ cookiecutter.emulator_memory | tojson }},
"emulator_cpus": {{ cookiecutter.emulator_cpus | tojson }},
"lapic_timer_hz": {{ cookiecutter.lapic_timer_hz | tojson }},
"mbr_addr": {{ cookiecutter.mbr_addr | tojson }},
"disk_image_size": {{ cookiecutter.disk_image_size | tojson }},
"disk_buffer_addr": {{ cookiecutter.disk_buffer_addr | tojson }},
"smp_trampoline_addr": {{ cookiecutter.smp_trampoline_addr | tojson }},
"smp_max_cpus": {{ cookiecutter.smp_max_cpus | tojson }},
"smp_stack_size": {{ cookiecutter.smp_stack_size | tojson }},
"percpu_area_base": {{ cookiecutter.percpu_area_base | tojson }},
"percpu_area_size": {{ cookiecutter.percpu_area_size | tojson }}
}
'''

# BEGIN EMBEDDED tools/layout.py (rewritten by tools/sync_hook.py; do not edit here)
LAYOUT_SOURCE = r'''#!/usr/bin/env python3
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
# The lowest EBDA start the layout leaves room for: conventional memory may
# end at 608 KiB (a large EBDA, option ROMs). QEMU and Bochs start theirs at
# 0x9FC00; stage2 checks the real figure (INT 12h and the BDA) at boot.
EBDA_BASE = 0x98000
HOLE_BASE = 0xA0000                 # VGA memory and ROMs up to 1 MiB
ONE_MIB = 0x100000
TWO_MIB = 0x200000                  # the initial page tables map [0, 2 MiB)

FAT_BUFFER_SIZE = 0x2400            # the FAT (up to 17 sectors) + room for one more sector
E820_BUFFER_SIZE = 0x1800           # boot-information block + E820 entries
STAGE2_MIN_SIZE = 0x1000
STAGE2_STACK_RESERVE = 0x1000
BOOT_PAGE_TABLES_SIZE = 4 * PAGE    # PML4, PDPT, PD, PT
PMM_BOOTSTRAP_SIZE = 3 * PAGE       # region struct, PMM-area PD, PMM-area PT
MBR_SIZE = 0x200                    # the MBR copies its whole sector
SECTOR = 512

# build/disk.img: an MBR, then one FAT12 partition from 1 MiB (LBA 2048, where
# partitioning tools start the first partition) to the end of the image. The
# loaders keep the whole FAT in the FAT buffer: FAT12 with 2 KiB clusters has
# at most 4084 clusters, a 12-sector FAT, and ends at 8 MiB.
DISK_PARTITION_START = MIB
DISK_CLUSTER_SECTORS = 4
DISK_ROOT_SECTORS = 32              # 512 root-directory entries
FAT12_MAX_CLUSTERS = 4084
DISK_IMAGE_RANGE = (2 * MIB, 9 * MIB)

# The disk read buffer: stage2 reads KERNEL.BIN's cluster runs into it, then
# copies each run above 1 MiB. Every BIOS call costs a fixed overhead (about
# 0.3 ms under QEMU, a millisecond or more for a real BIOS's USB read), so
# the buffer takes one full segment: 64 KiB, reached as ES:0..0xFFFF. A run
# is at most 127 sectors, the most AH=42h takes on some BIOSes: 31 clusters
# of 2 KiB, so a ~62 KiB KERNEL.BIN is one call. The base is a multiple of
# 64 KiB, so no read into the buffer crosses a 64 KiB physical boundary,
# which the floppy controller's ISA DMA cannot cross.
DISK_BUFFER_SIZE = 64 * KIB

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
PAGE_TABLE_FREE_SLOTS = 3               # recursive map, staging, self-test scratch
LAPIC_PAGE_SIZE = PAGE
# SMP: the AP trampoline is the STARTUP IPI's page (real-mode code and the
# values the kernel hands the APs), then a PML4, PDPT and PD that map it 1:1
# and the kernel's half, for the switch to long mode.
SMP_TRAMPOLINE_SIZE = 4 * PAGE
SMP_TRAMPOLINE_LOW = 0x1000         # above the IVT page
SMP_STACK_MIN = 8 * KIB
# A per-CPU slot: guard page, stack, guard page, #DF stack, guard page, NMI
# stack, data page (struct cpu with the CPU's GDT and TSS).
PERCPU_SLOT_OVERHEAD = 6 * PAGE

PHASES = collections.OrderedDict([
    (0, ("mbr", "hard disks only: the MBR relocates itself and loads the partition's boot sector")),
    (1, ("stage1", "the boot sector finds and loads STAGE2.BIN")),
    (2, ("stage2-load", "stage2 reads KERNEL.BIN (the FAT and root directory in the FAT buffer, the "
                        "file through the disk read buffer); BIOS in use")),
    (3, ("stage2-info", "stage2 collects the E820 map and the RSDP; BIOS still in use")),
    (4, ("handoff", "no more BIOS calls: stage2 builds the boot page tables and enters long mode; the kernel "
                    "starts on them")),
    (5, ("kernel", "the kernel runs on its own page tables (PMM pages)")),
])

LICENSES = ("MIT", "BSD-2-Clause", "Apache-2.0", "Unlicense")
COUNT_RANGES = {
    "acpi_area_pages": (4, 512),
    "emulator_cpus": (1, 64),
    "lapic_timer_hz": (10, 1000),
    "smp_max_cpus": (1, 64),
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
    Param("fat_buffer_addr", "address", "auto", "stage1/stage2 FAT and root-directory buffer"),
    Param("e820_buffer_addr", "address", "0x8400", "boot-information block with the E820 map"),
    Param("stage2_addr", "address", "0xA400", "load address of STAGE2.BIN (area ends at 0x10000)"),
    Param("stage2_stack_top", "address", "auto", "stage2 protected-mode stack top"),
    Param("boot_page_tables_addr", "address", "auto", "initial PML4, PDPT, PD, PT"),
    Param("pmm_bootstrap_addr", "address", "auto", "three PMM bootstrap pages"),
    Param("kernel_stack_base", "address", "auto", "bottom of the initial kernel stack"),
    Param("kernel_stack_size", "size", "64K", "size of the initial kernel stack"),
    Param("kernel_bss_base", "address", "auto", "physical base of the kernel BSS"),
    Param("kernel_bss_size", "size", "64K", "room reserved for the kernel BSS"),
    Param("kernel_load_addr", "address", "auto", "physical address KERNEL.BIN is copied to"),
    Param("kernel_area_end", "address", "0x200000", "end of the kernel load area (exclusive)"),
    Param("kernel_virt_base", "address", "0xFFFFFFFF80000000", "virtual address of physical 0"),
    Param("pmm_area_base", "address", "auto", "virtual base of the PMM structures"),
    Param("pmm_area_size", "size", "128G", "virtual size of the PMM area (last page is a guard)"),
    Param("acpi_area_base", "address", "auto", "virtual base where ACPI tables are mapped"),
    Param("acpi_area_pages", "count", "8", "pages in the ACPI area"),
    Param("automap_enabled", "switch", "y", "map pages on demand in the automap area (debug)"),
    Param("automap_base", "address", "auto", "virtual base of the debug automap area"),
    Param("automap_size", "size", "12M", "size of the debug automap area"),
    Param("lapic_virt_addr", "address", "auto", "virtual address of the local APIC page"),
    Param("fba_base", "address", "auto", "virtual base of the fixed-block allocator"),
    Param("fba_size", "size", "1G", "size of the fixed-block allocator area"),
    Param("emulator_memory", "size", "128M", "RAM given to QEMU and Bochs"),
    Param("emulator_cpus", "count", "1", "CPUs given to QEMU and Bochs"),
    Param("lapic_timer_hz", "count", "1000", "periodic local APIC timer rate"),
    Param("mbr_addr", "address", "0x600", "where the MBR of build/disk.img relocates itself (512 bytes)"),
    Param("disk_image_size", "size", "4M", "size of build/disk.img (MBR, then a FAT12 partition from 1 MiB)"),
    Param("disk_buffer_addr", "address", "auto", "stage2 reads KERNEL.BIN here (64 KiB, 64 KiB aligned)"),
    Param("smp_trampoline_addr", "address", "0xC000", "AP start-up trampoline (STARTUP IPI page + 3 table pages)"),
    Param("smp_max_cpus", "count", "16", "most CPUs the kernel starts (MADT order; the rest stay halted)"),
    Param("smp_stack_size", "size", "16K", "kernel stack of each application processor"),
    Param("percpu_area_base", "address", "0xFFFFFFFF88000000", "virtual base of the per-CPU stacks and data"),
    Param("percpu_area_size", "size", "4M", "size of the per-CPU area (smp_max_cpus slots)"),
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
    Rule("parse-address", "Addresses are 0x followed by 1 to 16 hex digits, nothing else; a base that "
         "follows its neighbour may be `auto` (placed as the table of auto bases says).",
         "Strict parsing: no decimal, signs, spaces or underscores that another tool might read differently.",
         tuple(p.name for p in PARAM_TABLE if p.kind == "address")),
    Rule("parse-size", "Sizes are a decimal or 0x-hex integer with an optional K, M or G suffix (binary), below 2^64.",
         "One size syntax everywhere; 64K means 65536.",
         tuple(p.name for p in PARAM_TABLE if p.kind == "size")),
    Rule("parse-switch", "Switches are y or n (any case).", "Anything else is a typo.", ("automap_enabled",)),
    Rule("parse-count", "Counts are decimal integers.", "Strict parsing.", tuple(COUNT_RANGES)),
    Rule("count-range", "acpi_area_pages is 4..512, emulator_cpus 1..64, lapic_timer_hz 10..1000, "
         "smp_max_cpus 1..64.",
         "The ACPI area holds the root table (RSDT or XSDT) while each table is checked, and either may "
         "cross a page boundary: 4 pages at the least (real firmware spreads its tables over more; a table "
         "that does not fit is logged and skipped); QEMU and Bochs limits; a timer rate that "
         "emulators without KVM deliver on time (above 1 kHz, QEMU under TCG drops ticks); the MADT "
         "parser keeps 64 CPUs.",
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
         "lies in [0x500, 0x98000).", "Conventional memory above the IVT/BDA and below the lowest EBDA start "
         "the layout allows for (608 KiB).", ("stage2_stack_top",)),
    Rule("boot-pages-window", "The boot page tables and the PMM bootstrap pages lie in [0x500, 0x98000) or in "
         "[0x100000, 0x200000).", "RAM the loader and kernel may write: below the EBDA, or inside the first "
         "2 MiB that the initial page tables map. The EBDA belongs to the BIOS, whose SMM code (USB legacy "
         "keyboard emulation, for one) keeps using it while the kernel runs, and it may start as low as "
         "608 KiB (0x98000). The seed's tables at 0x9C000-0x9FFFF overwrote QEMU's EBDA at 0x9FC00 and were "
         "kept for good; now the kernel builds its own from PMM pages, and stage2 halts if the BIOS reports "
         "less conventional memory than the layout writes.",
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
         tuple(p.name for p in PARAM_TABLE[5:17]) + ("smp_trampoline_addr", "disk_buffer_addr")),
    Rule("kernel-virt-base", "kernel_virt_base is 2 MiB aligned, at or above 0xFFFFFFFF80000000, and the "
         "4 MiB kernel window above it ends at or below 2^64 without crossing a 1 GiB boundary.",
         "-mcmodel=kernel needs the top 2 GiB; the window is mapped with 2 MiB pages from one page "
         "directory.", ("kernel_virt_base",)),
    Rule("virt-align", "Virtual areas have 4 KiB aligned bases and non-zero 4 KiB multiple sizes.",
         "They are mapped page by page.",
         ("pmm_area_base", "pmm_area_size", "acpi_area_base", "automap_base", "automap_size",
          "lapic_virt_addr", "fba_base", "fba_size", "percpu_area_base", "percpu_area_size")),
    Rule("higher-half", "Virtual areas lie in [0xFFFF800000000000, 2^64).",
         "Canonical kernel half; the lower half is left for user space.",
         ("pmm_area_base", "acpi_area_base", "automap_base", "lapic_virt_addr", "fba_base", "percpu_area_base")),
    Rule("virt-overlap", "The kernel window, PMM area, ACPI area, automap area (when enabled), LAPIC page, "
         "FBA and per-CPU area do not overlap.", "Each area's page-table entries belong to one owner.",
         ("kernel_virt_base", "pmm_area_base", "acpi_area_base", "automap_base", "lapic_virt_addr", "fba_base",
          "percpu_area_base")),
    Rule("page-table-slot", "At least three higher-half PML4 slots (512 GiB each) are free of every virtual area.",
         "The kernel reaches its page tables through a recursive PML4 entry in the highest free slot and "
         "zeroes each new table through the next free one before linking it; the self-tests (make test) map "
         "their scratch pages in a third.",
         ("pmm_area_size", "fba_size", "automap_size")),
    Rule("pmm-area-min", "pmm_area_size is at least 2M.", "The PMM keeps the area's last page unmapped as a "
         "guard and needs room before it.", ("pmm_area_size",)),
    Rule("fba-min", "fba_size is at least 64K.", "The bitmap block plus usable blocks.", ("fba_size",)),
    Rule("fba-bitmap", "The FBA bitmap (1 bit per 4 KiB block, ceil(blocks / 8 / 4096) blocks at the start) "
         "leaves at least one block.", "An allocator with no blocks is useless.", ("fba_size",)),
    Rule("smp-trampoline", "The AP trampoline [smp_trampoline_addr, +0x4000) is 4 KiB aligned and lies in "
         "[0x1000, 0x98000), below the EBDA. It is live only while the APs start (phase 5), so it may share memory with "
         "regions dead by then (stage2 area, FAT buffer, real-mode stack), never with a region the kernel "
         "still uses.", "A STARTUP IPI starts a CPU in real mode at vector * 0x1000: the vector is the page "
         "number, below 1 MiB. The IVT page and the EBDA stay untouched (firmware may use the EBDA at run "
         "time).", ("smp_trampoline_addr",)),
    Rule("smp-stack", "smp_stack_size is a multiple of 4 KiB and at least 8K.",
         "Each AP's stack is mapped page by page below a guard page; interrupt frames and the idle loop "
         "need room.", ("smp_stack_size",)),
    Rule("percpu-area", "percpu_area_size holds smp_max_cpus slots of smp_stack_size + 24 KiB (guard page, "
         "stack, guard page, #DF stack, guard page, NMI stack, data page).",
         "Every CPU the kernel may start needs its slot; an area too small would fail at boot instead.",
         ("percpu_area_size", "smp_max_cpus", "smp_stack_size")),
)
RULES += (
    Rule("mbr-window", "The MBR relocation area [mbr_addr, mbr_addr + 0x200) lies in [0x500, 0x10000) and "
         "mbr_addr is 16-byte aligned.", "The MBR copies itself there with segment 0 and 16-bit offsets, above "
         "the IVT/BDA, so that it can load the partition's boot sector to 0x7C00; the overlap rule keeps it "
         "clear of the boot sector and the real-mode stack.", ("mbr_addr",)),
    Rule("disk-image-size", "disk_image_size is a whole number of MiB from 2M to 9M, and its partition (all "
         "but the first MiB) holds a STAGE2.BIN and a KERNEL.BIN as large as their areas.",
         "The FAT12 partition starts at 1 MiB (LBA 2048); with 2 KiB clusters FAT12 ends at 8 MiB (4084 "
         "clusters), the largest FAT the loaders keep in the FAT buffer.", ("disk_image_size",)),
    Rule("disk-buffer-window", "The disk read buffer [disk_buffer_addr, disk_buffer_addr + 0x10000) lies in "
         "[0x500, 0x98000) and disk_buffer_addr is a multiple of 0x10000: 0x10000 to 0x80000. It is live only "
         "in phase 2, so it may share memory with regions of other phases.",
         "Stage2 reads KERNEL.BIN into it through INT 13h in real mode (ES = disk_buffer_addr / 16, BX from "
         "0), above the IVT/BDA and below the lowest EBDA start allowed for; a BIOS read must not cross a "
         "64 KiB physical boundary, which the floppy controller's ISA DMA cannot cross.",
         ("disk_buffer_addr",)),
)
RULE_BY_ID = {r.id: r for r in RULES}

# --------------------------------------------------------------------------
# Regions (lifetimes are inclusive phase ranges)
# --------------------------------------------------------------------------

# shift says how a suggestion moves the region: "move" (base param, fixed
# size), "start" (only the start moves), "top" (the param is the end).
RegionSpec = collections.namedtuple("RegionSpec", "key name params lifetime purpose align shift extent")

PHYS_REGIONS = (
    RegionSpec("ivt_bda", "IVT and BIOS data area", (), (0, 3),
               "Real-mode interrupt vectors and BIOS variables; every BIOS call uses them.",
               1, None, lambda v: (0, IVT_BDA_END)),
    RegionSpec("rm_stack", "real-mode stack", (), (0, 3),
               "The MBR and stage1 set SS:SP = 0:0x7C00; they and stage2 use it while in real mode.",
               1, None, lambda v: REAL_MODE_STACK),
    RegionSpec("boot_sector", "boot sector", (), (0, 2),
               "The MBR as loaded by the BIOS, then stage1 (loaded by the BIOS or the MBR); stage2 reads "
               "the BPB from it.",
               1, None, lambda v: BOOT_SECTOR),
    RegionSpec("fat_buffer", "FAT buffer", ("fat_buffer_addr",), (1, 2),
               "Stage1 runs its second sector from the last 512 bytes and reads root-directory sectors, "
               "then the FAT, into the rest; the FAT stays for stage2, which reads root-directory sectors "
               "into what follows it (KERNEL.BIN goes through the disk read buffer).",
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
    RegionSpec("ebda", "EBDA", (), (0, 5),
               "Extended BIOS data area, from the lowest start allowed for (608 KiB): the BIOS's, and its SMM "
               "code's while the kernel runs; never written. Stage2 scans it for the RSDP.",
               1, None, lambda v: (EBDA_BASE, HOLE_BASE)),
    RegionSpec("hole", "VGA/ROM hole", (), (0, 5),
               "Video memory and option and system ROMs; never usable RAM.",
               1, None, lambda v: (HOLE_BASE, ONE_MIB)),
    RegionSpec("page_tables", "boot page tables", ("boot_page_tables_addr",), (4, 4),
               "PML4, PDPT, PD and PT built by stage2; the kernel runs on them until paging_init loads its "
               "own tables, built from PMM pages.",
               PAGE, "move",
               lambda v: (v["boot_page_tables_addr"], v["boot_page_tables_addr"] + BOOT_PAGE_TABLES_SIZE)),
    RegionSpec("pmm_bootstrap", "PMM bootstrap pages", ("pmm_bootstrap_addr",), (5, 5),
               "Region struct and stack bottom, PMM-area page directory and page table, "
               "used before the PMM can allocate.",
               PAGE, "move", lambda v: (v["pmm_bootstrap_addr"], v["pmm_bootstrap_addr"] + PMM_BOOTSTRAP_SIZE)),
    RegionSpec("kernel_stack", "kernel stack", ("kernel_stack_base", "kernel_stack_size"), (4, 5),
               "Initial long-mode stack; stage2 sets RSP to its top.",
               PAGE, "move",
               lambda v: (v["kernel_stack_base"], v["kernel_stack_base"] + v["kernel_stack_size"])),
    RegionSpec("kernel_bss", "kernel BSS", ("kernel_bss_base", "kernel_bss_size"), (4, 5),
               "The kernel's zero-initialised data, cleared by the kernel entry.",
               PAGE, "move", lambda v: (v["kernel_bss_base"], v["kernel_bss_base"] + v["kernel_bss_size"])),
    RegionSpec("kernel_load", "kernel load area", ("kernel_load_addr", "kernel_area_end"), (2, 5),
               "KERNEL.BIN, copied above 1 MiB by stage2; the kernel runs from here.",
               PAGE, "start", lambda v: (v["kernel_load_addr"], v["kernel_area_end"])),
    RegionSpec("smp_trampoline", "AP trampoline", ("smp_trampoline_addr",), (5, 5),
               "Real-mode start-up code for the other CPUs and its long-mode switch tables; written by "
               "the kernel and live only while the APs start, so it may reuse memory dead by then.",
               PAGE, "move",
               lambda v: (v["smp_trampoline_addr"], v["smp_trampoline_addr"] + SMP_TRAMPOLINE_SIZE)),
)

PHYS_REGIONS += (
    RegionSpec("mbr", "relocated MBR", ("mbr_addr",), (0, 0),
               "The MBR of build/disk.img copies itself here, out of the way of the partition's boot sector.",
               16, "move", lambda v: (v["mbr_addr"], v["mbr_addr"] + MBR_SIZE)),
    RegionSpec("disk_buffer", "disk read buffer", ("disk_buffer_addr",), (2, 2),
               "Stage2 reads KERNEL.BIN's cluster runs here, up to 127 sectors per BIOS call, and copies "
               "each run to the kernel load area through unreal mode.",
               DISK_BUFFER_SIZE, "move",
               lambda v: (v["disk_buffer_addr"], v["disk_buffer_addr"] + DISK_BUFFER_SIZE)),
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
    RegionSpec("percpu_area", "per-CPU area", ("percpu_area_base", "percpu_area_size"), None,
               "One slot per CPU: guarded kernel, #DF and NMI stacks, and the CPU's data (GS base).",
               PAGE, "move", lambda v: (v["percpu_area_base"], v["percpu_area_base"] + v["percpu_area_size"])),
)


# The boot paths each physical region serves. The UEFI loader
# (boot/uefi/areas.c) claims UEFI_CLAIMED_REGIONS from the firmware with
# AllocatePages at their addresses and fills them as stage2 does; every other
# region belongs to the BIOS path only (under UEFI the firmware owns that
# memory and the loader never touches it), except the VGA/ROM hole, which is
# the machine's either way.
UEFI_CLAIMED_REGIONS = ("e820_buffer", "page_tables", "pmm_bootstrap", "kernel_stack", "kernel_bss",
                        "kernel_load", "smp_trampoline")
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


def parse_address(text, auto=False):
    """(int, None) or (None, what was expected); with auto, the text auto gives (AUTO, None)."""
    if isinstance(text, str) and ADDRESS_RE.fullmatch(text):
        return int(text[2:], 16), None
    if auto and text == AUTO:
        return AUTO, None
    return None, "expected an address: 0x followed by 1 to 16 hex digits, nothing else (e.g. 0x7E00)%s" % (
        ", or auto" if auto else "")


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
        value, err = parse_address(text, auto=param.name in AUTO_BY_PARAM)
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
# auto: bases that follow their neighbours
#
# A base given as `auto` is placed once, here, before any rule is checked,
# by the same code in the template's hook and in the project's build. Each
# region goes to the free place nearest its anchor (above it for UP, below
# it for DOWN; failing that, the other way) inside its window, sharing no
# memory with a region already placed that is live at the same time. The
# table's order is the placing order; explicit values are placed first.
# Moving a whole group means changing its anchor: the low-memory regions
# pack downward from LOW_MEMORY_TOP, the kernel's areas upward from 1 MiB.
# --------------------------------------------------------------------------

AUTO = "auto"
UP, DOWN = 1, -1
LOW_MEMORY_TOP = EBDA_BASE          # auto regions of conventional memory end here or lower
PMM_AREA_ANCHOR = 0xFFFFFF8000000000  # the last PML4 slot, which the kernel window shares
FBA_AUTO_ALIGN = 256 * MIB          # the ACPI and automap areas grow without moving the FBA

# Where each movable region may lie (its window rule), for placing a base.
PLACE_WINDOWS = {
    "fat_buffer": (IVT_BDA_END, SEGMENT0_END),
    "e820_buffer": (IVT_BDA_END, SEGMENT0_END),
    "stage2": (IVT_BDA_END, SEGMENT0_END),
    "stage2_stack": (IVT_BDA_END, EBDA_BASE),
    "page_tables": (IVT_BDA_END, EBDA_BASE),
    "disk_buffer": (IVT_BDA_END, EBDA_BASE),
    "pmm_bootstrap": (IVT_BDA_END, EBDA_BASE),
    "kernel_stack": (ONE_MIB, TWO_MIB),
    "kernel_bss": (ONE_MIB, TWO_MIB),
    "kernel_load": (ONE_MIB, TWO_MIB),
}
VIRT_WINDOW = (HIGHER_HALF, TOP)


def _end_of(*keys):
    """An anchor: the end of the first of these regions that is present."""
    def anchor(v):
        ends = {r.key: r.end for r in phys_regions(v) + virt_regions(v)}
        for key in keys:
            if key in ends:
                return ends[key]
        raise KeyError(keys[0])
    return anchor


def _low_start_of(key):
    """An anchor: the start of a region when it lies below 1 MiB, else LOW_MEMORY_TOP."""
    def anchor(v):
        starts = [r.start for r in phys_regions(v) if r.key == key and r.start < ONE_MIB]
        return min(starts + [LOW_MEMORY_TOP])
    return anchor


AutoPlace = collections.namedtuple("AutoPlace", "param region anchor step align text")

AUTO_PLACES = (
    AutoPlace("fat_buffer_addr", "fat_buffer", lambda v: BOOT_SECTOR[1], UP, 16,
              "right after the boot sector (0x7E00), else below the real-mode stack"),
    AutoPlace("e820_buffer_addr", "e820_buffer", lambda v: BOOT_SECTOR[1], UP, 16,
              "right after the boot sector (0x7E00), sharing the FAT buffer's memory"),
    AutoPlace("disk_buffer_addr", "disk_buffer", lambda v: SEGMENT0_END, UP, DISK_BUFFER_SIZE,
              "right after the stage2 area, at 0x10000 (nothing else lives there in phase 2)"),
    AutoPlace("boot_page_tables_addr", "page_tables", lambda v: LOW_MEMORY_TOP, DOWN, PAGE,
              "packed downward from %s" % hx(LOW_MEMORY_TOP)),
    AutoPlace("stage2_stack_top", "stage2_stack", _low_start_of("page_tables"), DOWN, 16,
              "right below the boot page tables (when they are below 1 MiB), below the EBDA"),
    AutoPlace("pmm_bootstrap_addr", "pmm_bootstrap", _low_start_of("page_tables"), DOWN, PAGE,
              "right below the boot page tables (when they are below 1 MiB), below the EBDA"),
    AutoPlace("kernel_stack_base", "kernel_stack", lambda v: ONE_MIB, UP, PAGE, "at 1 MiB"),
    AutoPlace("kernel_bss_base", "kernel_bss", _end_of("kernel_stack"), UP, PAGE,
              "right after the kernel stack"),
    AutoPlace("kernel_load_addr", "kernel_load", _end_of("kernel_bss"), UP, PAGE,
              "right after the kernel BSS, else after the last region below kernel_area_end"),
    AutoPlace("pmm_area_base", "pmm_area", lambda v: PMM_AREA_ANCHOR, UP, PAGE,
              "at %s (PML4 slot 511), else right below it" % hx(PMM_AREA_ANCHOR)),
    AutoPlace("lapic_virt_addr", "lapic", lambda v: HIGHER_HALF, UP, PAGE,
              "at the start of the higher half (%s)" % hx(HIGHER_HALF)),
    AutoPlace("automap_base", "automap", _end_of("kernel_window"), UP, PAGE,
              "right after the 4 MiB kernel window"),
    AutoPlace("acpi_area_base", "acpi_area", _end_of("automap", "kernel_window"), UP, PAGE,
              "right after the automap area (the kernel window when automap is off)"),
    AutoPlace("fba_base", "fba", _end_of("acpi_area"), UP, FBA_AUTO_ALIGN,
              "on the first 256 MiB boundary after the ACPI area, else right below the kernel window"),
)
AUTO_BY_PARAM = {a.param: a for a in AUTO_PLACES}


def _spec(key):
    """(RegionSpec, the table it is in) for a region key."""
    for specs in (PHYS_REGIONS, VIRT_REGIONS):
        for spec in specs:
            if spec.key == key:
                return spec, specs
    raise KeyError(key)


def _live_together(a, b):
    """Whether two region specs are ever live at once (virtual areas always are)."""
    if a.lifetime is None or b.lifetime is None:
        return True
    return max(a.lifetime[0], b.lifetime[0]) <= min(a.lifetime[1], b.lifetime[1])


def _window(spec):
    return PLACE_WINDOWS.get(spec.key, VIRT_WINDOW if spec.lifetime is None else None)


def fit(v, param, near, step, align=None):
    """The value of param, nearest `near` in direction step, at which its
    region lies in its window and shares no memory with another region of v
    live at the same time; None if there is none.

    For UP, near is where the region starts; for DOWN, where it ends. A
    region whose start is its base and whose end is fixed (the stage2 area,
    the kernel load area) grows DOWN instead: its start goes right after the
    last region below its end."""
    spec = next(s for s in PHYS_REGIONS + VIRT_REGIONS if s.params and s.params[0] == param)
    specs = PHYS_REGIONS if spec.lifetime is not None else VIRT_REGIONS
    if _window(spec) is None:
        return None                 # a region without a window entry is not moved
    lo, hi = _window(spec)
    align = align or spec.align
    trial = {k: x for k, x in v.items() if k != param}
    others = [r for r in _regions(specs, trial) if r.key != spec.key and _live_together(spec, r.spec)]

    def extent(value):
        trial[param] = value
        return spec.extent(trial)

    start, end = extent(near)
    offset, size = near - start, end - start
    if step == UP:
        value = align_up(max(near, lo) + offset, align)
    elif spec.shift == "start":
        value = align_up(max([lo] + [r.end for r in others if r.start < end]), align)
    else:
        value = align_down(min(near - size, hi - size) + offset, align)
    for _ in range(len(others) + 2):
        start, end = extent(value)
        if start < lo or end > hi or end <= start:
            return None
        hits = [r for r in others if r.start < end and start < r.end]
        if not hits:
            return value
        if step == UP:
            value = align_up(max(r.end for r in hits) + offset, align)
        else:
            value = align_down(min(r.start for r in hits) - (end - start) + offset, align)
    return None


def resolve_auto(v, autos):
    """Give every parameter in autos a value in v, in AUTO_PLACES order.

    A base whose neighbours or size did not parse stays out of v (they have
    their own violations). Where no free place exists, the base takes its
    natural place, and the rules then say what is wrong there."""
    for place in AUTO_PLACES:
        if place.param not in autos:
            continue
        try:
            near = place.anchor(v)
            if place.region == "automap" and v.get("automap_enabled") is not True:
                v[place.param] = align_up(near, place.align)      # not reserved, not checked
                continue
            value = fit(v, place.param, near, place.step, place.align)
            if value is None:
                value = fit(v, place.param, near, -place.step, place.align)
            if value is None:
                spec = _spec(place.region)[0]
                start, end = spec.extent(dict(v, **{place.param: near}))
                value = near if place.step == UP else near - (end - start) + (near - start)
            v[place.param] = value
        except KeyError:
            continue


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
               "the stage2 stack reserve %s must lie in [0x500, %s) (conventional memory below the lowest "
               "EBDA start allowed for, 608 KiB): use a top from 0x1500 to %s"
               % (rng(top - STAGE2_STACK_RESERVE, top), hx(EBDA_BASE), hx(EBDA_BASE)))]


def _check_boot_pages_window(v, raw):
    out = []
    for r in phys_regions(v):
        if r.key not in ("page_tables", "pmm_bootstrap"):
            continue
        low_end = EBDA_BASE
        low_ok = r.start >= IVT_BDA_END and r.end <= low_end
        high_ok = r.start >= ONE_MIB and r.end <= TWO_MIB
        if not (low_ok or high_ok):
            out.append(_v(v, raw, r.params[0], "boot-pages-window",
                          "the %s %s must lie in [0x500, %s) (below the lowest EBDA start allowed for, "
                          "608 KiB: the EBDA is the BIOS's) or in [0x100000, 0x200000) (in the first 2 MiB "
                          "the initial page tables map): use a value from 0x1000 to %s or from 0x100000 to %s"
                          % (r.name, rng(r.start, r.end), hx(low_end),
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
    # Both ends are named, and only fixes that keep the area inside the
    # first 2 MiB are offered.
    fixes = []
    if start + KERNEL_LOAD_MIN <= TWO_MIB:
        fixes.append("kernel_area_end %s or above (at most 0x200000)" % hx(start + KERNEL_LOAD_MIN))
    low_end = min(max(end, ONE_MIB + KERNEL_LOAD_MIN), TWO_MIB)
    if not fixes or end <= start:
        fixes.append("kernel_load_addr %s or below with kernel_area_end %s" % (hx(low_end - KERNEL_LOAD_MIN),
                                                                              hx(low_end)))
    return [_v(v, raw, "kernel_area_end", "kernel-load-min",
               "the kernel load area %s (kernel_load_addr = %r, kernel_area_end = %r) is %s; it must hold at "
               "least %s: use %s" % (rng(start, end), raw.get("kernel_load_addr"), raw.get("kernel_area_end"),
                                     size, human(KERNEL_LOAD_MIN), ", or ".join(fixes)))]


def _region_ref(r, raw):
    if not r.params:
        return "the %s (fixed) %s" % (r.name, rng(r.start, r.end))
    given = ", ".join("%s = %r" % (p, raw.get(p)) for p in r.params)
    return "the %s (%s) %s" % (r.name, given, rng(r.start, r.end))


def _move_hint(mover, other):
    """Values of mover's first parameter that clear other and stay in
    mover's window (where it has one: its window rule)."""
    spec, name = mover.spec, mover.params[0]
    low, high = _window(spec) or (0, TOP)

    def fits(start):
        # A "start" region runs from its base to a fixed end: its size
        # follows the base, so only the base has to be in the window.
        size = mover.size if spec.shift != "start" else 1
        return start >= low and start + size <= high

    options = []
    if spec.shift == "top":
        above = align_up(other.end, spec.align) + mover.size
        below = align_down(min(other.start, high), spec.align)
        if fits(above - mover.size):
            options.append("%s or above" % hx(above))
        if below - mover.size >= 0 and fits(below - mover.size):
            options.append("%s or below" % hx(below))
    else:
        above = align_up(max(other.end, low), spec.align)
        if fits(above):
            options.append("%s or above (past the %s)" % (hx(above), other.name))
        below = align_down(min(other.start, high) - mover.size, spec.align)
        if spec.shift == "move" and min(other.start, high) >= mover.size and fits(below):
            options.append("%s or below" % hx(below))
    if not options:
        return "move %s clear of the %s, within %s" % (name, other.name, rng(low, high))
    return "set %s to %s" % (name, ", or to ".join(options))


def _pick_mover(a, b, raw):
    """(mover, other): the region to move is one with parameters, preferably
    the one whose values differ from the defaults; of two such, the one that
    starts inside the other (it was put there), else the later one."""
    if not a.params:
        return b, a
    if not b.params:
        return a, b
    a_default = all(raw.get(p) == DEFAULTS[p] for p in a.params)
    b_default = all(raw.get(p) == DEFAULTS[p] for p in b.params)
    if a_default != b_default:
        return (a, b) if b_default else (b, a)
    if not a_default and b.start < a.start < b.end:
        return a, b
    return b, a


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
            if "ebda" in (a.key, b.key):
                continue   # the window rules report it, with a value that fits
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
                "lapic_virt_addr", "fba_base", "fba_size", "percpu_area_base", "percpu_area_size")


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


def _check_smp_trampoline(v, raw):
    if "smp_trampoline_addr" not in v:
        return []
    start, out = v["smp_trampoline_addr"], []
    if start % PAGE:
        out.append(_v(v, raw, "smp_trampoline_addr", "smp-trampoline",
                      "must be a multiple of 4 KiB (the STARTUP IPI vector is its page number): use %s"
                      % hx(align_up(start, PAGE))))
    if start < SMP_TRAMPOLINE_LOW or start + SMP_TRAMPOLINE_SIZE > EBDA_BASE:
        out.append(_v(v, raw, "smp_trampoline_addr", "smp-trampoline",
                      "the AP trampoline %s must lie in [0x1000, 0x98000) (a real-mode page below 1 MiB, "
                      "above the IVT, below the lowest EBDA start allowed for): use a value from 0x1000 to %s"
                      % (rng(start, start + SMP_TRAMPOLINE_SIZE),
                         hx(align_down(EBDA_BASE - SMP_TRAMPOLINE_SIZE, PAGE)))))
    return out


def _check_smp_stack(v, raw):
    size = v.get("smp_stack_size")
    if size is None or (size % PAGE == 0 and size >= SMP_STACK_MIN):
        return []
    fix = max(align_up(size, PAGE), SMP_STACK_MIN)
    return [_v(v, raw, "smp_stack_size", "smp-stack",
               "the AP stack is %s; it must be a multiple of 4 KiB and at least 8 KiB: use %s"
               % (human(size), size_text(fix)))]


def percpu_slot_size(stack_size):
    """Bytes of the per-CPU area one CPU takes (see PERCPU_SLOT_OVERHEAD)."""
    return stack_size + PERCPU_SLOT_OVERHEAD


def _check_percpu_area(v, raw):
    if any(k not in v for k in ("percpu_area_size", "smp_max_cpus", "smp_stack_size")):
        return []
    need = v["smp_max_cpus"] * percpu_slot_size(align_up(v["smp_stack_size"], PAGE))
    if v["percpu_area_size"] >= need:
        return []
    return [_v(v, raw, "percpu_area_size", "percpu-area",
               "the per-CPU area is %s, but %d CPUs with %s stacks need %d slots of %s: use %s or more"
               % (human(v["percpu_area_size"]), v["smp_max_cpus"], human(v["smp_stack_size"]),
                  v["smp_max_cpus"], human(percpu_slot_size(align_up(v["smp_stack_size"], PAGE))),
                  size_text(align_up(need, PAGE))))]


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
    free = free_slots(v, used)
    return free[-1] if free else None


def free_slots(v, used=None):
    """The higher-half PML4 slots no virtual area touches, lowest first."""
    if used is None:
        used = set()
        for r in virt_regions(v):
            if r.end > r.start:
                used.update(range(pml4_slot(r.start), pml4_slot(r.end - 1) + 1))
    return [slot for slot in range(FIRST_KERNEL_SLOT, 512) if slot not in used]


def _check_page_table_slot(v, raw):
    regions = virt_regions(v)
    if len(regions) < len(VIRT_REGIONS) - (0 if v.get("automap_enabled") is True else 1):
        return []      # an area did not parse; it has its own violation
    if len(free_slots(v)) >= PAGE_TABLE_FREE_SLOTS:
        return []
    biggest = max((r for r in regions if len(r.spec.params) > 1), key=lambda r: r.size)
    param = biggest.spec.params[1]
    return [_v(v, raw, param, "page-table-slot",
               "the virtual areas leave %d of the 256 higher-half PML4 slots (512 GiB each) free; the kernel "
               "needs %d, for its recursive page-table mapping, for zeroing new tables and for the self-tests' "
               "scratch pages: make the %s smaller"
               % (len(free_slots(v)), PAGE_TABLE_FREE_SLOTS, biggest.name))]


def _check_mbr_window(v, raw):
    if "mbr_addr" not in v:
        return []
    start, out = v["mbr_addr"], []
    if start < IVT_BDA_END or start + MBR_SIZE > SEGMENT0_END:
        out.append(_v(v, raw, "mbr_addr", "mbr-window",
                      "the MBR relocation area %s must lie in [0x500, 0x10000) (segment 0, 16-bit offsets, "
                      "above the IVT/BDA): use a value from 0x500 to %s"
                      % (rng(start, start + MBR_SIZE), hx(SEGMENT0_END - MBR_SIZE))))
    if start % 16:
        out.append(_v(v, raw, "mbr_addr", "mbr-window", "must be a multiple of 16: use %s" % hx(align_up(start, 16))))
    return out


def disk_partition(size):
    """(partition sectors, FAT sectors, data clusters) of a disk image of `size` bytes."""
    sectors = (size - DISK_PARTITION_START) // SECTOR
    clusters = (sectors - 1 - DISK_ROOT_SECTORS) // DISK_CLUSTER_SECTORS
    fat = (((clusters + 2) * 3 + 1) // 2 + SECTOR - 1) // SECTOR
    clusters = (sectors - 1 - 2 * fat - DISK_ROOT_SECTORS) // DISK_CLUSTER_SECTORS
    return sectors, fat, clusters


def largest_boot_files(v):
    """Clusters that the largest STAGE2.BIN and KERNEL.BIN the loaders accept take on the disk."""
    cluster = DISK_CLUSTER_SECTORS * SECTOR
    stage2 = SEGMENT0_END - v["stage2_addr"]
    kernel = v["kernel_area_end"] - v["kernel_load_addr"]
    return (stage2 + cluster - 1) // cluster + (max(kernel, 0) + cluster - 1) // cluster


def _check_disk_image_size(v, raw):
    if "disk_image_size" not in v:
        return []
    size = v["disk_image_size"]
    low, high = DISK_IMAGE_RANGE
    if size % MIB or not low <= size <= high:
        fix = min(max(align_up(size, MIB), low), high)
        return [_v(v, raw, "disk_image_size", "disk-image-size",
                   "must be a whole number of MiB from 2M to 9M (a FAT12 partition from 1 MiB, with at most "
                   "4084 clusters of 2 KiB): use %s" % size_text(fix))]
    if any(name not in v for name in ("stage2_addr", "kernel_load_addr", "kernel_area_end")):
        return []
    needed = largest_boot_files(v)
    clusters = disk_partition(size)[2]
    if clusters >= needed:
        return []
    fix = next((s for s in range(low, high + MIB, MIB) if disk_partition(s)[2] >= needed), None)
    hint = ": use %s or more" % size_text(fix) if fix else ""
    return [_v(v, raw, "disk_image_size", "disk-image-size",
               "the partition holds %d clusters of 2 KiB, but STAGE2.BIN and KERNEL.BIN as large as the "
               "stage2 area and the kernel load area take %d%s" % (clusters, needed, hint))]


def _check_disk_buffer_window(v, raw):
    if "disk_buffer_addr" not in v:
        return []
    start, out = v["disk_buffer_addr"], []
    end = start + DISK_BUFFER_SIZE
    lowest = align_up(IVT_BDA_END, DISK_BUFFER_SIZE)
    highest = align_down(EBDA_BASE - DISK_BUFFER_SIZE, DISK_BUFFER_SIZE)
    if start < IVT_BDA_END or end > EBDA_BASE:
        out.append(_v(v, raw, "disk_buffer_addr", "disk-buffer-window",
                      "the disk read buffer %s must lie in [0x500, %s) (real-mode memory above the IVT/BDA, "
                      "below the lowest EBDA start allowed for): use a value from %s to %s"
                      % (rng(start, end), hx(EBDA_BASE), hx(lowest), hx(highest))))
    if start % DISK_BUFFER_SIZE:
        fix = min(max(align_up(start, DISK_BUFFER_SIZE), lowest), highest)
        out.append(_v(v, raw, "disk_buffer_addr", "disk-buffer-window",
                      "must be a multiple of %s (%s), so that no BIOS read into the buffer crosses a 64 KiB "
                      "physical boundary (floppy DMA cannot): use %s"
                      % (hx(DISK_BUFFER_SIZE), human(DISK_BUFFER_SIZE), hx(fix))))
    return out


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
    _check_mbr_window,
    _check_disk_image_size,
    _check_disk_buffer_window,
    _check_smp_trampoline,
    _check_smp_stack,
    _check_percpu_area,
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
    def percpu_slot_size(self):
        return percpu_slot_size(self.smp_stack_size)

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


def _parse_values(raw, violations):
    """The parsed values of raw with every auto base resolved; parse errors go to violations."""
    parsed, autos = {}, set()
    for name in PARAMS:
        if name not in raw:
            continue
        value, rule, err = _parse_one(PARAM_BY_NAME[name], raw[name])
        if err is not None:
            violations.append(Violation(name, raw[name], rule, err))
        elif value == AUTO:
            autos.add(name)
        else:
            parsed[name] = value
    resolve_auto(parsed, autos)
    return parsed


def parse_layout(values, allowed=PARAMS):
    """(Layout, []) when every rule holds, else (None, [Violation, ...]) listing all of them.

    values maps parameter names to strings (cookiecutter's context or
    layout.cfg); keys starting with "_" are ignored. Never raises.
    """
    if not isinstance(values, dict):
        return None, [Violation("(input)", values, "key-missing", "expected a mapping of parameters")]
    raw = {k: values[k] for k in values if k in PARAM_BY_NAME}
    violations = _check_keys(values, allowed)
    parsed = _parse_values(raw, violations)
    for check in CHECKS:
        violations.extend(check(parsed, raw))
    if violations:
        return None, violations
    return Layout(parsed, raw), []


def validate(values):
    """Every violation of every rule for this mapping of parameter strings; [] when valid."""
    return parse_layout(values)[1]


# --------------------------------------------------------------------------
# Whole suggestions: a refused layout's nearest valid neighbour
#
# The search changes only parameters a violation involves, never the ones
# the user chose (those that differ from the defaults) unless their own
# value breaks a rule, and it returns a set of changes only after validate()
# has accepted the whole result: never one move that leads into another
# refusal. Candidates are auto, the default, the values the messages
# propose, and the nearest free place above and below. A small beam search
# keeps the layouts with the fewest violations, then drops every change the
# result does not need.
# --------------------------------------------------------------------------

# Rules a different placement can satisfy; other violations need the user.
PLACEMENT_RULES = frozenset((
    "real-mode-window", "stage2-below-64k", "align-16", "stage2-stack-window", "boot-pages-window",
    "page-align", "kernel-phys-window", "kernel-stack-min", "kernel-bss-min", "kernel-load-min",
    "phys-overlap", "kernel-virt-base", "virt-align", "higher-half", "virt-overlap", "page-table-slot",
    "pmm-area-min", "fba-min", "fba-bitmap", "disk-buffer-window"))
SEARCH_BEAM = 6
SEARCH_DEPTH = 6
SEARCH_BUDGET = 1500                # validations per search, to bound the time (about 0.15 ms each)
PROPOSED_RE = r"\b(?:use|to|from) (?:%s )?(0x[0-9A-F]+|[0-9]+[KMG]?)\b"
LAYOUT_KEYS = tuple(n for n in CFG_KEYS if n not in ("project_name", "project_slug"))


def _region_params(name):
    """The parameters of the region called name (a violation's .other)."""
    for spec in PHYS_REGIONS + VIRT_REGIONS:
        if spec.name == name:
            return spec.params
    return ()


def _text_of(param, value):
    kind = PARAM_BY_NAME[param].kind
    return hx(value) if kind == "address" else size_text(value) if kind == "size" else str(value)


def _distance(param, text, parsed):
    """How far the value text lies from param's current value (for ordering)."""
    value = _parse_one(PARAM_BY_NAME[param], text)[0]
    if not isinstance(value, int) or param not in parsed:
        return TOP
    return abs(value - parsed[param])


def _free_places(parsed, param):
    """The values of a base param that put its region at the nearest free
    place above its current start and below its current end; for the end of
    an area whose start follows others (kernel_area_end), the starts of the
    regions in its window, so the area can end before one of them."""
    for area in (sp for sp in PHYS_REGIONS if sp.shift == "start" and sp.params[1:] == (param,)):
        lo, hi = _window(area)
        return [hx(r.start) for r in phys_regions(parsed) if lo < r.start < hi and r.key != area.key]
    spec = next((sp for sp in PHYS_REGIONS + VIRT_REGIONS if sp.params[:1] == (param,)), None)
    try:
        start, end = spec.extent(parsed)
    except (AttributeError, KeyError):
        return []                   # not a base, or its region did not parse
    places = [fit(parsed, param, start, UP), fit(parsed, param, end, DOWN)]
    return [_text_of(param, value) for value in places if value is not None]


def _candidates(values, errors, frozen):
    """(param, text) changes worth trying on values, best first."""
    parsed = _parse_values({k: values[k] for k in values if k in PARAM_BY_NAME}, [])
    out, later = [], []
    for error in errors:
        related = (error.param,) + _region_params(error.other)
        for param in related:
            if param in frozen or param not in LAYOUT_KEYS:
                continue
            proposed = re.findall(PROPOSED_RE % re.escape(param), error.message.split(": ", 1)[-1]) \
                if param == error.param else []
            if values.get(param) != DEFAULTS[param]:           # the user's value: keep close to it
                texts = sorted(proposed, key=lambda t: _distance(param, t, parsed)) or [DEFAULTS[param]]
            else:
                texts = ([AUTO] if param in AUTO_BY_PARAM else []) + [DEFAULTS[param]] + proposed
            texts += _free_places(parsed, param)
            for text in texts:
                if text != values.get(param) and (param, text) not in out + later:
                    (later if values.get(param) != DEFAULTS[param] else out).append((param, text))
    return out + later          # the user's own values last


def _search(values, frozen):
    """The smallest {param: text} found that makes values valid, or None."""
    beam, seen, budget = [({}, validate(values))], set(), [SEARCH_BUDGET]
    for _depth in range(SEARCH_DEPTH):
        children = []
        for changes, errors in beam:
            for param, text in _candidates(dict(values, **changes), errors, frozen):
                new = dict(changes, **{param: text})
                key = frozenset(new.items())
                if key in seen:
                    continue
                if budget[0] <= 0:
                    return None
                seen.add(key)
                budget[0] -= 1
                found = validate(dict(values, **new))
                if not found:
                    return _minimise(values, new)
                if all(v.rule in PLACEMENT_RULES for v in found):
                    children.append(((len(found), len(new)), new, found))
        children.sort(key=lambda child: child[0])
        beam = [(new, found) for _score, new, found in children[:SEARCH_BEAM]]
        if not beam:
            return None
    return None


def _minimise(values, changes):
    """changes without those the valid result does not need."""
    for param in list(changes):
        fewer = {k: t for k, t in changes.items() if k != param}
        if not validate(dict(values, **fewer)):
            changes = fewer
    return changes


def user_choices(values):
    """The layout parameters whose values differ from the defaults."""
    return {k for k in LAYOUT_KEYS if k in values and values[k] != DEFAULTS[k]}


def suggest(values):
    """{param: text}: a whole set of changes after which values pass every
    rule (validate() has accepted the result), or None when the violations
    are not about placement or no valid layout is near.

    It first keeps every value the user chose; failing that, it may also
    change a chosen value that itself breaks a rule (with what its message
    proposes)."""
    errors = validate(values)
    if not errors or not all(v.rule in PLACEMENT_RULES for v in errors):
        return None
    identity = set(PARAMS) - set(LAYOUT_KEYS)
    chosen = user_choices(values)
    found = _search(values, identity | chosen)
    if found is None:
        broken = {v.param for v in errors}
        found = _search(values, identity | (chosen - broken))
    return found


def suggestion_command(values, changes, template="."):
    """One cookiecutter command line: the user's choices with the changes applied."""
    import shlex
    merged = dict(values, **changes)
    slug = str(merged.get("project_name", "")).lower().replace(" ", "_").replace("-", "_")
    words = ["cookiecutter", "--no-input", template]
    for name in PARAMS:
        if name not in merged or merged[name] == DEFAULTS[name] and name not in changes:
            continue
        if name == "project_slug" and merged[name] == slug:
            continue
        words.append(shlex.quote("%s=%s" % (name, merged[name])))
    return " ".join(words)


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
    """Print violations the way every tool here does, then the lines of
    path to change for a whole suggestion when there is one."""
    for violation in violations:
        sys.stderr.write("%s: error: %s\n" % (path, violation))
    if violations:
        sys.stderr.write("%s: %d error(s); nothing was generated\n" % (path, len(violations)))
        values, errors = read_layout_file(path)
        changes = suggest(values) if not errors else None
        if changes:
            sys.stderr.write("%s: a layout that passes every rule: change these lines\n" % path)
            for name in CFG_KEYS:
                if name in changes:
                    sys.stderr.write("    %s = %s\n" % (name, changes[name]))


if __name__ == "__main__":
    sys.exit(main())
'''
# END EMBEDDED tools/layout.py


def _load_layout():
    """The embedded tools/layout.py as a module named "layout"."""
    module = types.ModuleType("layout")
    module.__file__ = "tools/layout.py (embedded in pre_gen_project.py)"
    exec(compile(LAYOUT_SOURCE, module.__file__, "exec"), module.__dict__)
    return module


layout = _load_layout()
validate = layout.validate


def main():
    """Exit status 0 when every parameter is valid; else print all violations and return 1."""
    try:
        values = json.loads(CONTEXT_JSON)
    except ValueError:
        sys.stderr.write("pre_gen_project: error: this hook was not rendered by cookiecutter\n")
        return 1
    try:
        violations = validate(values)
    except Exception as exc:  # never a traceback: a bug here must still read as a message
        sys.stderr.write("pre_gen_project: internal error while checking the parameters: %r\n" % (exc,))
        return 1
    for violation in violations:
        sys.stderr.write("error: %s\n" % violation)
    if violations:
        sys.stderr.write("%d problem(s) in the parameters; nothing was generated. "
                         "The template's examples/ folder holds valid layouts.\n" % len(violations))
        report_suggestion(values)
        return 1
    return 0


def report_suggestion(values):
    """Print one command line whose whole layout passes every rule, if one is near."""
    try:
        changes = layout.suggest(values)
    except Exception:  # the suggestion is a help; its failure must not hide the errors above
        changes = None
    if not changes:
        return
    sys.stderr.write("A layout that passes every rule, with your other choices kept "
                     "(run from the template's folder):\n  %s\n"
                     % layout.suggestion_command(values, changes))
    resolved = layout.parse_layout(dict(values, **changes))[0]
    autos = ["%s = %s" % (name, layout.hx(getattr(resolved, name)))
             for name in sorted(changes) if changes[name] == layout.AUTO and resolved is not None]
    if autos:
        sys.stderr.write("  (auto places %s)\n" % ", ".join(autos))


if __name__ == "__main__":
    sys.exit(main())
