#!/usr/bin/env python3
"""Generate the files derived from layout.cfg, after checking it.

Owns: the C header, NASM include, linker-script include, make include and
Bochs config the build uses, and docs/MemoryMap.md. Every value comes from a
layout that tools/layout.py has accepted; a layout that breaks a rule stops
here with the same messages as the template's hook, and nothing is written.

Standard library only; runs on Python 3.8+.

Usage: python3 tools/layout_gen.py LAYOUT_CFG [--c-header OUT] [--nasm OUT]
       [--ld OUT] [--make OUT] [--bochsrc OUT --image IMG --serial-log LOG]
       [--memory-map OUT]
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from layout import (  # noqa: E402  (tools/ is on the path from here on)
    AUTO, AUTO_PLACES, BOOT_PAGE_TABLES_SIZE, DISK_BUFFER_SIZE, DISK_CLUSTER_SECTORS, DISK_PARTITION_START, DISK_ROOT_SECTORS,
    E820_BUFFER_SIZE, EBDA_BASE, MBR_SIZE, SECTOR, disk_partition, FAT_BUFFER_SIZE, KERNEL_WINDOW_SIZE, MIB,
    ONE_MIB, PAGE, PHASES, PMM_BOOTSTRAP_SIZE, RULES, SEGMENT0_END, SMP_TRAMPOLINE_SIZE, STAGE2_STACK_RESERVE,
    TOP, UEFI_CLAIMED_REGIONS, boot_paths_text, human, hx, lifetime_text, load_layout,
    report_violations)

# --------------------------------------------------------------------------
# Generated symbols, shared by the C, NASM and linker outputs
# --------------------------------------------------------------------------

BANNER = "generated from layout.cfg by tools/layout_gen.py - do not edit"


def page_table_base(layout):
    """The (canonical) first address of the recursive page-table slot."""
    return 0xFFFF000000000000 | (layout.page_table_slot << 39)


def symbols(layout):
    """[(group, NAME, value, comment)] in output order; group is phys, virt or tunable."""
    L = layout
    return [
        ("phys", "LAYOUT_FAT_BUFFER", L.fat_buffer_addr, "stage1/stage2 FAT and root-directory buffer"),
        ("phys", "LAYOUT_FAT_BUFFER_SIZE", FAT_BUFFER_SIZE, "bytes"),
        ("phys", "LAYOUT_E820_BUFFER", L.e820_buffer_addr, "boot-information block + E820 entries"),
        ("phys", "LAYOUT_E820_BUFFER_SIZE", E820_BUFFER_SIZE, "bytes"),
        ("phys", "LAYOUT_STAGE2_ADDR", L.stage2_addr, "STAGE2.BIN load address (segment 0)"),
        ("phys", "LAYOUT_STAGE2_END", SEGMENT0_END, "end of the stage2 area (exclusive)"),
        ("phys", "LAYOUT_STAGE2_STACK_TOP", L.stage2_stack_top, "stage2 protected-mode stack top"),
        ("phys", "LAYOUT_STAGE2_STACK_SIZE", STAGE2_STACK_RESERVE, "stage2 stack reserve below its top"),
        ("phys", "LAYOUT_BOOT_PAGE_TABLES", L.boot_page_tables_addr, "PML4, PDPT, PD, PT (one page each)"),
        ("phys", "LAYOUT_BOOT_PAGE_TABLES_SIZE", BOOT_PAGE_TABLES_SIZE, "bytes"),
        ("phys", "LAYOUT_PMM_BOOTSTRAP", L.pmm_bootstrap_addr, "PMM region page, PMM-area PD, PMM-area PT"),
        ("phys", "LAYOUT_PMM_BOOTSTRAP_SIZE", PMM_BOOTSTRAP_SIZE, "bytes"),
        ("phys", "LAYOUT_KERNEL_STACK_BASE", L.kernel_stack_base, "bottom of the initial kernel stack"),
        ("phys", "LAYOUT_KERNEL_STACK_SIZE", L.kernel_stack_size, human(L.kernel_stack_size)),
        ("phys", "LAYOUT_KERNEL_STACK_TOP", L.kernel_stack_base + L.kernel_stack_size,
         "initial RSP (physical; add LAYOUT_KERNEL_VIRT_BASE)"),
        ("phys", "LAYOUT_KERNEL_BSS_BASE", L.kernel_bss_base, "kernel BSS"),
        ("phys", "LAYOUT_KERNEL_BSS_SIZE", L.kernel_bss_size, human(L.kernel_bss_size)),
        ("phys", "LAYOUT_KERNEL_LOAD_ADDR", L.kernel_load_addr, "KERNEL.BIN is copied here"),
        ("phys", "LAYOUT_KERNEL_AREA_END", L.kernel_area_end, "end of the kernel load area (exclusive)"),
        ("phys", "LAYOUT_SMP_TRAMPOLINE", L.smp_trampoline_addr, "AP start-up page (STARTUP IPI vector << 12)"),
        ("phys", "LAYOUT_SMP_TRAMPOLINE_SIZE", SMP_TRAMPOLINE_SIZE, "code page, then PML4, PDPT, PD"),
        ("virt", "LAYOUT_KERNEL_VIRT_BASE", L.kernel_virt_base, "virtual address of physical 0"),
        ("virt", "LAYOUT_KERNEL_WINDOW_SIZE", KERNEL_WINDOW_SIZE, "physical [0, 4 MiB) mapped at the base"),
        ("virt", "LAYOUT_PMM_AREA_BASE", L.pmm_area_base, "PMM structures"),
        ("virt", "LAYOUT_PMM_AREA_SIZE", L.pmm_area_size, human(L.pmm_area_size) + ", last page is a guard"),
        ("virt", "LAYOUT_ACPI_AREA_BASE", L.acpi_area_base, "ACPI tables are mapped here"),
        ("virt", "LAYOUT_ACPI_AREA_PAGES", L.acpi_area_pages, "pages in the ACPI area"),
        ("virt", "LAYOUT_ACPI_AREA_SIZE", L.acpi_area_pages * PAGE, "bytes"),
        ("virt", "LAYOUT_AUTOMAP_BASE", L.automap_base, "debug automap area"),
        ("virt", "LAYOUT_AUTOMAP_SIZE", L.automap_size, human(L.automap_size)),
        ("virt", "LAYOUT_AUTOMAP_ENABLED", int(L.automap_enabled), "1: page faults there map a page"),
        ("virt", "LAYOUT_LAPIC_VIRT", L.lapic_virt_addr, "local APIC registers (one page, uncached)"),
        ("virt", "LAYOUT_FBA_BASE", L.fba_base, "fixed-block allocator area"),
        ("virt", "LAYOUT_FBA_SIZE", L.fba_size, human(L.fba_size)),
        ("virt", "LAYOUT_FBA_BITMAP_BLOCKS", L.fba_bitmap_blocks, "blocks at the start holding the bitmap"),
        ("virt", "LAYOUT_PERCPU_AREA_BASE", L.percpu_area_base, "per-CPU stacks and data"),
        ("virt", "LAYOUT_PERCPU_AREA_SIZE", L.percpu_area_size, human(L.percpu_area_size)),
        ("virt", "LAYOUT_PERCPU_SLOT_SIZE", L.percpu_slot_size, "one CPU's slot in the per-CPU area"),
        ("virt", "LAYOUT_PAGE_TABLE_SLOT", L.page_table_slot, "PML4 slot of the recursive page-table map"),
        ("virt", "LAYOUT_PAGE_TABLE_BASE", page_table_base(L), "page tables appear in the 512 GiB from here"),
        ("phys", "LAYOUT_MBR_ADDR", L.mbr_addr, "the MBR relocates itself here (hard disks)"),
        ("phys", "LAYOUT_MBR_SIZE", MBR_SIZE, "bytes"),
        ("phys", "LAYOUT_DISK_BUFFER_ADDR", L.disk_buffer_addr, "stage2 reads KERNEL.BIN here (64 KiB aligned)"),
        ("phys", "LAYOUT_DISK_BUFFER_SIZE", DISK_BUFFER_SIZE, "bytes"),
        ("tunable", "LAYOUT_DISK_IMAGE_SIZE", L.disk_image_size, "build/disk.img, " + human(L.disk_image_size)),
        ("tunable", "LAYOUT_DISK_PARTITION_LBA", DISK_PARTITION_START // SECTOR, "first sector of the partition"),
        ("tunable", "LAYOUT_LAPIC_TIMER_HZ", L.lapic_timer_hz, "periodic LAPIC timer rate"),
        ("tunable", "LAYOUT_EMULATOR_MEMORY_MIB", L.emulator_memory_mib, "RAM for QEMU and Bochs, MiB"),
        ("tunable", "LAYOUT_EMULATOR_CPUS", L.emulator_cpus, "CPUs for QEMU and Bochs"),
        ("tunable", "LAYOUT_SMP_MAX_CPUS", L.smp_max_cpus, "CPUs the kernel starts, at most"),
        ("tunable", "LAYOUT_SMP_STACK_SIZE", L.smp_stack_size, "kernel stack of each AP, " + human(L.smp_stack_size)),
    ]


GROUP_TITLES = {
    "phys": "Physical addresses (memlayout): boot loader and kernel",
    "virt": "Virtual addresses (memlayout): kernel address space",
    "tunable": "Tunables (param)",
}


def _region_map(layout, prefix):
    """A top-down comment map of all regions, one line each."""
    lines = [prefix + "Physical memory, top down: [start, end)  size  region  (live in phases)"]
    for r in sorted(layout.phys_regions(), key=lambda r: (-r.start, -r.end)):
        lines.append(prefix + "  %-10s %-10s %-10s %s (%s)" % (
            hx(r.start), hx(r.end), human(r.size), r.name, lifetime_text(r.lifetime)))
    lines.append(prefix + "Virtual memory, top down:")
    for r in sorted(layout.virt_regions(), key=lambda r: (-r.start, -r.end)):
        lines.append(prefix + "  0x%016X 0x%016X %-9s %s" % (r.start, r.end % TOP, human(r.size), r.name))
    lines.append(prefix + "Phases: " + ", ".join("%d %s" % (n, PHASES[n][0]) for n in PHASES))
    return lines


def _symbol_lines(layout, title_format, define):
    """Every symbol as one line in some language, under its group's title."""
    out, group = [], None
    for grp, name, value, comment in symbols(layout):
        if grp != group:
            out += ["", title_format % GROUP_TITLES[grp]]
            group = grp
        out.append(define(name, value, comment))
    return out


def render_c_header(layout):
    out = ["/* %s */" % BANNER, "#ifndef LAYOUT_GENERATED_H", "#define LAYOUT_GENERATED_H", "", "/*"]
    out += _region_map(layout, " * ")
    out += [" */", "", '#define LAYOUT_PROJECT_NAME "%s"' % layout.project_name]
    out += _symbol_lines(layout, "/* %s */", lambda name, value, comment:
                         "#define %-30s %-22s /* %s */" % (name, "0x%XULL" % value, comment))
    out += ["", "#endif /* LAYOUT_GENERATED_H */", ""]
    return "\n".join(out)


def render_nasm(layout):
    out = ["; %s" % BANNER, ";"]
    out += _region_map(layout, "; ")
    out += _symbol_lines(layout, "; %s", lambda name, value, comment:
                         "%%define %-30s %-20s ; %s" % (name, "0x%X" % value, comment))
    return "\n".join(out) + "\n"


def render_ld(layout):
    out = ["/* %s */" % BANNER]
    out += _symbol_lines(layout, "/* %s */", lambda name, value, comment:
                         "%-30s = %s; /* %s */" % (name, "0x%X" % value, comment))
    return "\n".join(out) + "\n"


def render_make(layout):
    return "\n".join([
        "# %s" % BANNER,
        "LAYOUT_PROJECT_SLUG := %s" % layout.project_slug,
        "LAYOUT_EMULATOR_MEMORY_MIB := %d" % layout.emulator_memory_mib,
        "LAYOUT_EMULATOR_CPUS := %d" % layout.emulator_cpus,
        "# build/disk.img: partition start and size in sectors, cluster and root-directory sectors",
        "LAYOUT_DISK_PARTITION_LBA := %d" % (DISK_PARTITION_START // SECTOR),
        "LAYOUT_DISK_PARTITION_SECTORS := %d" % disk_partition(layout.disk_image_size)[0],
        "LAYOUT_DISK_CLUSTER_SECTORS := %d" % DISK_CLUSTER_SECTORS,
        "LAYOUT_DISK_ROOT_SECTORS := %d" % DISK_ROOT_SECTORS,
        "",
    ])


BOCHS_MAX_HOST_MIB = 2048


BOCHS_MEDIA = {
    "floppy": ["floppya: 1_44=%s, status=inserted", "boot: floppy", "floppy_bootsig_check: disabled=0"],
    # Bochs's BIOS reads the geometry of a flat image from its size (16 heads,
    # 63 sectors per track); the loaders ask the BIOS, so any geometry works.
    "disk": ["ata0-master: type=disk, path=%s, mode=flat", "boot: disk"],
    "cdrom": ["ata0-master: type=cdrom, path=%s, status=inserted", "boot: cdrom"],
}


def render_bochsrc(layout, image, serial_log, media="floppy"):
    mib = layout.emulator_memory_mib
    memory = ("megs: %d" % mib if mib <= BOCHS_MAX_HOST_MIB else
              "# more than %d MiB: Bochs backs the guest RAM with a smaller host buffer\n"
              "memory: guest=%d, host=%d" % (BOCHS_MAX_HOST_MIB, mib, BOCHS_MAX_HOST_MIB))
    return "\n".join([
        "# %s" % BANNER,
        "# Bochs 2.7 configuration for %s: boots the %s image, COM1 to a file." % (layout.project_slug, media),
        "# RAM and CPUs come from emulator_memory and emulator_cpus in layout.cfg.",
        memory,
        "# ips sets how many instructions make one emulated second. Floppy seeks and",
        "# BIOS waits are timed in emulated time, so a modest figure makes them cost",
        "# fewer simulated instructions; the kernel calibrates its timer, so it is",
        "# unaffected. reset_on_triple_fault=0 stops instead of rebooting.",
        "cpu: count=%d, ips=4000000, reset_on_triple_fault=0" % layout.emulator_cpus,
        "romimage: file=/usr/share/bochs/BIOS-bochs-latest",
        "vgaromimage: file=/usr/share/vgabios/vgabios.bin",
        "# the boot disk",
    ] + [line % image if "%s" in line else line for line in BOCHS_MEDIA[media]] + [
        "# text display in the terminal; serial output goes to a file",
        "display_library: term",
        "com1: enabled=1, mode=file, dev=%s" % serial_log,
        "port_e9_hack: enabled=1",
        "speaker: enabled=0",
        "clock: sync=none, time0=local",
        "# xchg bx, bx stops in the Bochs debugger",
        "magic_break: enabled=1",
        "# log to stderr; a panic ends the emulator",
        "log: -",
        "panic: action=fatal",
        "error: action=report",
        "info: action=ignore",
        "debug: action=ignore",
        "mouse: enabled=0",
        "",
    ])


# --------------------------------------------------------------------------
# docs/MemoryMap.md
# --------------------------------------------------------------------------

def _row(cells):
    return "| " + " | ".join(cells) + " |"


def _table(header, rows):
    return [_row(header), _row(["---"] * len(header))] + [_row(r) for r in rows]


def _addr(n):
    return "`0x%016X`" % n


def _param_list(layout, params):
    """`name` per parameter, with (auto) after a base that auto placed."""
    return ", ".join("`%s`%s" % (p, " (auto)" if layout.raw.get(p) == AUTO else "") for p in params)


def _region_rows(layout, regions):
    rows = []
    for r in sorted(regions, key=lambda r: (r.start, r.end)):
        params = _param_list(layout, r.params) or "fixed"
        rows.append([_addr(r.start), _addr(r.end - 1), human(r.size), r.name, params,
                     lifetime_text(r.lifetime), boot_paths_text(r.spec.key), r.spec.purpose])
    return rows


def _phys_sections(layout):
    regions = layout.phys_regions()
    header = ["Start", "End (incl.)", "Size", "Region", "Parameters", "Live in phases", "Boot path",
              "Use"]
    low = [r for r in regions if r.start < ONE_MIB]
    kept = [r for r in regions if r.lifetime[1] == 5]
    return (["## Low memory (physical)", "",
             "Everything stage1 and stage2 touch in real mode lies below 1 MiB; regions whose lifetimes "
             "are disjoint may share memory.", ""]
            + _table(header, _region_rows(layout, low))
            + ["", "### The EBDA is the BIOS's", "",
               "Nothing the loader or the kernel writes lies at or above the start of the extended BIOS "
               "data area, during boot or after: the BIOS's SMM code (USB legacy keyboard emulation, for "
               "one) keeps using the EBDA while the kernel runs, and writing there can hang a real "
               "machine. QEMU and Bochs start it at 0x9FC00, but a real machine's EBDA, with option ROMs' "
               "reservations, may start as low as 608 KiB, so the layout keeps every region below %s. "
               "Stage2 checks the real start at boot, the lower of the BIOS data area's EBDA pointer "
               "(0x40E) and INT 12h, and halts with \"not enough conventional memory\" if a region "
               "reaches it." % hx(EBDA_BASE), "",
               "The seed's own addresses (stage2 stack top and boot page tables at 0x9C000, PMM "
               "bootstrap pages at 0x99000) are refused for that reason: its page tables covered "
               "0x9C000-0x9FFFF, over QEMU's EBDA, and the kernel kept using them. The defaults move "
               "those three regions 32 KiB lower, and the kernel now builds its own page tables from PMM "
               "pages, so the boot page tables are live only until it loads them "
               "(`examples/invalid/seed-layout.yaml` in the template keeps the seed's values with the "
               "message they get)."]
            + ["", "## Kernel physical memory (after stage2 is done)", "",
               "These regions are still in use when the kernel runs; the PMM never hands out the first "
               "2 MiB.", ""]
            + _table(header, _region_rows(layout, kept))
            + ["", "## Under UEFI", "",
               "The UEFI loader (`EFI/BOOT/BOOTX64.EFI`, `boot/uefi/`) replaces phases 1 to 4: the "
               "firmware reads it from the FAT partition, and it claims the regions marked \"BIOS, "
               "UEFI\" above with AllocatePages at their addresses (%s), or stops with a message "
               "naming the one the firmware holds. It builds the boot information and the page "
               "tables there as stage2 does, then leaves the firmware (ExitBootServices) and enters "
               "the kernel. \"BIOS only\" regions are not used: under UEFI that memory is the "
               "firmware's until then, and the kernel's PMM never hands out the first 2 MiB either "
               "way." % ", ".join("`%s`" % r.name for r in regions if r.spec.key in UEFI_CLAIMED_REGIONS)])


def _paging_section(layout):
    L = layout
    pt = L.boot_page_tables_addr
    names = ("PML4", "PDPT", "PD", "PT")
    rows = [[_addr(pt + i * PAGE), _addr(pt + (i + 1) * PAGE - 1), "initial " + n] for i, n in enumerate(names)]
    return (["## Initial page-table layout (built by stage2 or the UEFI loader)", "",
             "Stage2 (or the UEFI loader) builds these four tables after its last firmware call; the kernel runs on them only "
             "until `paging_init` loads its own tables, built from PMM pages (phase 4). After that the "
             "kernel never reads or writes them.", ""]
            + _table(["Start", "End (incl.)", "Table"], rows)
            + ["", "Both loaders map two windows onto physical [0, 2 MiB):", "",
               "* `0x0000000000000000` - `0x00000000001FFFFF`: identity map (not in the kernel's own tables)",
               "* %s - %s: the kernel window (the kernel's own tables map it again)"
               % (_addr(L.kernel_virt_base), _addr(L.kernel_virt_base + 2 * MIB - 1)),
               "",
               "The kernel's own tables map physical [0, 2 MiB) at the same place (with per-section "
               "rights) and physical [2 MiB, 4 MiB) at %s - %s; they have no identity map."
               % (_addr(L.kernel_virt_base + 2 * MIB), _addr(L.kernel_virt_base + 4 * MIB - 1))])


def _virt_section(layout):
    L = layout
    rows = []
    for r in sorted(layout.virt_regions(), key=lambda r: r.start):
        params = _param_list(layout, r.params)
        rows.append([_addr(r.start), _addr(r.end - 1), human(r.size), str((r.start >> 39) & 0x1FF),
                     r.name, params, r.spec.purpose])
    out = (["## Kernel virtual areas", ""]
           + _table(["Start", "End (incl.)", "Size", "PML4 slot", "Area", "Parameters", "Use"], rows)
           + ["", "The PMM area's guard page is %s - %s (never mapped)."
              % (_addr(L.pmm_area_base + L.pmm_area_size - PAGE), _addr(L.pmm_area_base + L.pmm_area_size - 1)),
              "", "Page tables: the kernel points PML4 slot %d (%s - %s, the highest slot no area uses) at "
              "the PML4 itself, so every page table of the hierarchy has a virtual address there, "
              "wherever it lies in physical memory."
              % (L.page_table_slot, _addr(page_table_base(L)), _addr(page_table_base(L) + (1 << 39) - 1))])
    if not L.automap_enabled:
        out += ["", "The automap area is disabled (`automap_enabled = n`): %s - %s is not reserved."
                % (_addr(L.automap_base), _addr(L.automap_base + L.automap_size - 1))]
    return out


def _fba_section(layout):
    L = layout
    blocks, bitmap = L.fba_blocks, L.fba_bitmap_blocks
    return ["## Fixed-block allocator arithmetic", "",
            "* area: %s - %s, %s" % (_addr(L.fba_base), _addr(L.fba_base + L.fba_size - 1), human(L.fba_size)),
            "* blocks of 4 KiB: %d" % blocks,
            "* bitmap: %d bits = %d bytes, rounded up to %d block(s) at the start of the area"
            % (blocks, (blocks + 7) // 8, bitmap),
            "* blocks left for allocation: %d" % (blocks - bitmap)]


def _auto_section(layout):
    """Where each base given as auto was placed, and the rule that placed it."""
    rows = [["`%s`" % a.param, "`%s`" % hx(getattr(layout, a.param)), a.text]
            for a in AUTO_PLACES if layout.raw.get(a.param) == AUTO]
    if not rows:
        return ["## Bases placed by auto", "", "Every base in `layout.cfg` is explicit."]
    return (["## Bases placed by auto", "",
             "These bases are `auto` in `layout.cfg`: tools/layout.py placed each one at the free "
             "place nearest its anchor (no memory shared with a region live at the same time), in "
             "this order. Change a size and `make` places them again; write an address to pin one.", ""]
            + _table(["Parameter", "Placed at", "Rule"], rows))


def _phase_and_rule_sections():
    phases = [[str(n), name, what] for n, (name, what) in PHASES.items()]
    rules = [["`%s`" % r.id, r.text, r.why, ", ".join("`%s`" % p for p in r.params)] for r in RULES]
    return (["## Boot phases", ""] + _table(["Phase", "Name", "What happens"], phases)
            + ["", "## Rules checked by tools/layout.py (and the template's pre-generation hook)", ""]
            + _table(["Id", "Rule", "Why", "Parameters"], rules))


def render_memory_map(layout):
    out = ["<!-- %s -->" % BANNER, "# Memory map of %s" % layout.project_name, "",
           "All addresses come from `layout.cfg`; ranges are inclusive in the tables. "
           "Run `make` after editing `layout.cfg`: it re-checks the rules and regenerates this file.", "",
           "![Physical memory by boot phase, and the kernel's virtual areas](memory-map.svg)", ""]
    for section in (_phys_sections(layout), _paging_section(layout), _virt_section(layout),
                    _fba_section(layout), _auto_section(layout), _phase_and_rule_sections()):
        out += section + [""]
    return "\n".join(out)


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def _arg_parser():
    parser = argparse.ArgumentParser(description="Check layout.cfg and generate the files derived from it.")
    parser.add_argument("layout_cfg")
    for option in ("--c-header", "--nasm", "--ld", "--make", "--bochsrc", "--memory-map"):
        parser.add_argument(option, metavar="OUT")
    parser.add_argument("--image", help="image named in the Bochs config")
    parser.add_argument("--media", choices=sorted(BOCHS_MEDIA), default="floppy",
                        help="what the Bochs config boots the image as")
    parser.add_argument("--serial-log", help="COM1 log file named in the Bochs config")
    return parser


def _outputs(args, layout):
    """[(path, text)] for every requested file."""
    jobs = [(args.c_header, render_c_header), (args.nasm, render_nasm), (args.ld, render_ld),
            (args.make, render_make), (args.memory_map, render_memory_map)]
    out = [(path, render(layout)) for path, render in jobs if path]
    if args.bochsrc:
        out.append((args.bochsrc, render_bochsrc(layout, args.image, args.serial_log, args.media)))
    return out


def main(argv=None):
    parser = _arg_parser()
    args = parser.parse_args(argv)
    if args.bochsrc and not (args.image and args.serial_log):
        parser.error("--bochsrc needs --image and --serial-log")
    layout, violations = load_layout(args.layout_cfg)
    report_violations(args.layout_cfg, violations)
    if layout is None:
        return 1
    for path, text in _outputs(args, layout):
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
