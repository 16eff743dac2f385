#!/usr/bin/env python3
"""Draw the project's memory layout as an SVG picture (docs/memory-map.svg).

Left: physical memory below 2 MiB against the boot phases. Each region is a
box spanning the addresses it occupies (rows, highest address on top) and the
phases in which it is live (columns), so regions that share memory are seen
to never be live at the same time. Rows are spaced evenly between boundaries,
not to scale, so a 512-byte region stays as readable as a 1 MiB one.
Right: the kernel's virtual areas, top down, with their ranges and sizes,
and the PML4 slot where the page tables appear.

Usage: memory_svg.py layout.cfg OUT.svg   (standard library only)
"""
import html
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import layout as L  # noqa: E402  (the project's own tools/layout.py)

ROW = 22                 # height of one address interval
PHASE_WIDTH = 92
AXIS_WIDTH = 78
TOP = 58
FIRST_PHASE = min(L.PHASES)
PHASE_COUNT = len(L.PHASES)
VIRT_X = AXIS_WIDTH + PHASE_COUNT * PHASE_WIDTH + 60
VIRT_WIDTH = 430
VIRT_ROW = 44
COLOURS = {"ivt_bda": "#d9d9d9", "rm_stack": "#f4cccc", "boot_sector": "#fce5cd",
           "fat_buffer": "#fff2cc", "e820_buffer": "#d9ead3", "stage2": "#cfe2f3",
           "stage2_stack": "#f4cccc", "ebda": "#d9d9d9", "hole": "#bfbfbf",
           "page_tables": "#d9d2e9", "pmm_bootstrap": "#ead1dc", "kernel_stack": "#f4cccc",
           "kernel_bss": "#d0e0e3", "kernel_load": "#c9daf8", "kernel_window": "#c9daf8",
           "pmm_area": "#ead1dc", "acpi_area": "#fff2cc", "automap": "#fce5cd",
           "lapic": "#f4cccc", "fba": "#d9ead3", "mbr": "#fce5cd",
           "smp_trampoline": "#b6d7a8", "percpu_area": "#f9cb9c", "disk_buffer": "#a4c2f4"}


def text(x, y, content, size=11, anchor="start", weight="normal"):
    return ('<text x="%d" y="%d" font-size="%d" text-anchor="%s" font-weight="%s">%s</text>'
            % (x, y, size, anchor, weight, html.escape(content)))


def rect(x, y, width, height, fill):
    return ('<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="#444" '
            'stroke-width="0.8" fill-opacity="0.85"/>' % (x, y, width, height, fill))


def fit(label, width):
    """The label, shortened to what a box `width` pixels wide can show."""
    room = max(3, (width - 8) // 6)
    return label if len(label) <= room else label[:room - 1] + "~"


def physical_panel(regions):
    """SVG elements for the physical map, and its height."""
    bounds = sorted({r.start for r in regions} | {r.end for r in regions}, reverse=True)
    row_of = {address: index for index, address in enumerate(bounds)}
    out = [text(AXIS_WIDTH, 20, "Physical memory below 2 MiB, by boot phase", 14, weight="bold")]
    for phase, (name, _meaning) in L.PHASES.items():
        x = AXIS_WIDTH + (phase - FIRST_PHASE) * PHASE_WIDTH
        out.append(text(x + PHASE_WIDTH // 2, TOP - 8, "%d %s" % (phase, name), 10, "middle"))
    for address, index in row_of.items():
        y = TOP + index * ROW
        out.append(text(AXIS_WIDTH - 4, y + 4, L.hx(address), 10, "end"))
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#ccc"/>'
                   % (AXIS_WIDTH, y, AXIS_WIDTH + PHASE_COUNT * PHASE_WIDTH, y))
    for region in regions:
        first, last = region.lifetime
        x = AXIS_WIDTH + (first - FIRST_PHASE) * PHASE_WIDTH + 2
        width = (last - first + 1) * PHASE_WIDTH - 4
        y = TOP + row_of[region.end] * ROW + 1
        height = (row_of[region.start] - row_of[region.end]) * ROW - 2
        out.append(rect(x, y, width, height, COLOURS.get(region.key, "#eeeeee")))
        out.append(text(x + 4, y + min(height, ROW) - 7, fit(region.name, width), 10))
    return out, TOP + (len(bounds) - 1) * ROW


def virtual_panel(layout):
    """SVG elements for the virtual areas (and the page-table slot), and the
    panel's height."""
    slot = layout.page_table_slot
    slot_base = 0xFFFF000000000000 | (slot << 39)
    rows = [(r.start, r.end, "%s (%s)" % (r.name, L.human(r.size)), r.key)
            for r in layout.virt_regions()]
    rows.append((slot_base, slot_base + (1 << 39),
                 "page tables: recursive PML4 slot %d (512 GiB)" % slot, "page_tables"))
    out = [text(VIRT_X, 20, "Kernel virtual areas (not to scale)", 14, weight="bold")]
    for index, (start, end, label, key) in enumerate(sorted(rows, reverse=True)):
        y = TOP + index * VIRT_ROW
        out.append(rect(VIRT_X, y, VIRT_WIDTH, VIRT_ROW - 6, COLOURS.get(key, "#eeeeee")))
        out.append(text(VIRT_X + 6, y + 15, label, 11, weight="bold"))
        out.append(text(VIRT_X + 6, y + 31, "%s - %s" % (L.hx(start), L.hx(end - 1)), 10))
    return out, TOP + len(rows) * VIRT_ROW


def render_svg(layout):
    physical, physical_height = physical_panel(layout.phys_regions())
    virtual, virtual_height = virtual_panel(layout)
    height = max(physical_height, virtual_height) + 20
    width = VIRT_X + VIRT_WIDTH + 10
    head = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
            'font-family="DejaVu Sans, Arial, sans-serif">' % (width, height),
            "<!-- generated from layout.cfg by tools/memory_svg.py - do not edit -->",
            '<rect width="100%" height="100%" fill="white"/>']
    return "\n".join(head + physical + virtual + ["</svg>", ""])


def main(argv):
    if len(argv) != 2:
        print("usage: memory_svg.py layout.cfg OUT.svg", file=sys.stderr)
        return 2
    layout, violations = L.load_layout(argv[0])
    if layout is None:
        for violation in violations:
            print("%s: error: %s" % (argv[0], violation), file=sys.stderr)
        return 1
    directory = os.path.dirname(argv[1])
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(argv[1], "w") as f:
        f.write(render_svg(layout))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
