"""Property tests (hypothesis) of tools/layout.py and of baking.

Malformed values must always come back as messages, never exceptions;
random layouts drawn around the parameter space must either be rejected
with known rule ids or satisfy an independent re-statement of the rules and
render every generated file.
"""

import os

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import LAYOUT, LAYOUT_GEN, ROOT, context_with, leftover_jinja, project_dir

L = LAYOUT
ADDRESS_PARAMS = [p.name for p in L.PARAM_TABLE if p.kind == "address"]
SIZE_PARAMS = [p.name for p in L.PARAM_TABLE if p.kind == "size"]
COUNT_PARAMS = [p.name for p in L.PARAM_TABLE if p.kind == "count"]
LAYOUT_PARAMS = [n for n in L.CFG_KEYS if n not in ("project_name", "project_slug")]
HEX = "0123456789abcdefABCDEF"
WHITESPACE = [" ", "\t", "\n", "\r", "\u00a0", "\u2003"]
NON_ASCII = st.characters(min_codepoint=0x80, max_codepoint=0x10FFFF, blacklist_categories=("Cs",))

# ---------------------------------------------------------------- malformed values


def valid_address():
    return st.integers(0, 2 ** 64 - 1).map(lambda n: "0x%X" % n)


def padded(valid):
    """A valid value with whitespace before or after it."""
    return st.tuples(st.sampled_from(WHITESPACE), valid, st.booleans()).map(
        lambda t: t[0] + t[1] if t[2] else t[1] + t[0])


def with_non_ascii(valid):
    return st.tuples(valid, NON_ASCII, st.integers(0, 20)).map(
        lambda t: t[0][:t[2]] + t[1] + t[0][t[2]:])


MALFORMED_ADDRESS = st.one_of(
    st.just(""),
    st.text(alphabet=HEX + "ghxyzGXZ_ -+.", min_size=1, max_size=18).filter(
        lambda s: not (s[:2] in ("0x", "0X") and 1 <= len(s) - 2 <= 16 and all(c in HEX for c in s[2:]))),
    valid_address().map(lambda s: "-" + s),
    st.integers(2 ** 64, 2 ** 80).map(lambda n: "0x%X" % n),
    st.integers(0, 2 ** 64 - 1).map(str),                               # decimal
    padded(valid_address()),
    with_non_ascii(valid_address()),
)

MALFORMED_SIZE = st.one_of(
    st.just(""),
    st.integers(1, 2 ** 40).map(lambda n: "-%d" % n),
    st.integers(2 ** 64, 2 ** 100).map(str),
    st.integers(2 ** 34, 2 ** 60).map(lambda n: "%dG" % n),
    st.integers(2 ** 54, 2 ** 63).map(lambda n: "0x%XK" % n),
    padded(st.integers(1, 1000).map(lambda n: "%dK" % n)),
    with_non_ascii(st.integers(1, 1000).map(lambda n: "%dM" % n)),
    st.sampled_from(["K", "1KB", "1.5M", "64T", "0x", "1e3", "64 K", "--1"]),
)

MALFORMED_COUNT = st.one_of(
    st.just(""),
    st.integers(1, 100).map(lambda n: "-%d" % n),
    st.integers(10 ** 12, 10 ** 30).map(str),
    padded(st.integers(1, 50).map(str)),
    with_non_ascii(st.integers(1, 50).map(str)),
    st.integers(1, 50).map(lambda n: "0x%X" % n),
)


def assert_rejected_with_message(name, value):
    errors = L.validate(context_with(**{name: value}))
    mine = [v for v in errors if v.param == name]
    assert mine, "accepted %s = %r" % (name, value)
    for v in mine:
        assert v.rule in L.RULE_BY_ID and name in v.message and repr(value) in v.message


@given(st.sampled_from(ADDRESS_PARAMS), MALFORMED_ADDRESS)
@settings(max_examples=300)
def test_malformed_addresses_give_messages(name, value):
    """Bad hex, negative, over-64-bit, empty, non-ASCII or padded addresses give messages naming the parameter."""
    assert_rejected_with_message(name, value)


@given(st.sampled_from(SIZE_PARAMS), MALFORMED_SIZE)
@settings(max_examples=300)
def test_malformed_sizes_give_messages(name, value):
    """Malformed or over-64-bit sizes give messages naming the parameter."""
    assert_rejected_with_message(name, value)


@given(st.sampled_from(COUNT_PARAMS + ["automap_enabled"]), MALFORMED_COUNT)
@settings(max_examples=200)
def test_malformed_counts_and_switches_give_messages(name, value):
    """Malformed counts and switches give messages naming the parameter."""
    assert_rejected_with_message(name, value)


@given(st.sampled_from(list(L.PARAMS)), st.one_of(st.text(max_size=40), st.none(), st.integers(), st.binary()))
@settings(max_examples=400)
def test_any_value_never_raises(name, value):
    """validate() returns violations with known rule ids for any value of any parameter, never
    raising; suggest() returns a mapping or None."""
    for v in L.validate(context_with(**{name: value})):
        assert v.rule in L.RULE_BY_ID and str(v)
    changes = L.suggest(context_with(**{name: value}))
    assert changes is None or isinstance(changes, dict)


@given(st.dictionaries(st.text(max_size=12), st.text(max_size=12), max_size=8))
@settings(max_examples=100)
def test_arbitrary_mappings_never_raise(values):
    """validate() copes with arbitrary keys and values."""
    assert isinstance(L.validate(values), list)


# ---------------------------------------------------------------- random layouts

LOW = st.integers(0, 0x11000)
PHYS = st.integers(0, 0x210000)
SIZES = ["0", "4K", "8K", "12K", "16K", "32K", "64K", "96K", "128K", "256K", "1M", "2M", "12M", "64M",
         "512M", "1G", "16G", "128G", "4096", "0x3000"]
VIRT_BASES = [0xFFFF800000000000, 0xFFFFFF8000000000, 0xFFFFFF9000000000, 0xFFFFFFFF80000000,
              0xFFFFFFFF80400000, 0xFFFFFFFF81000000, 0xFFFFFFFF90000000, 0xFFFFFFFFC0000000,
              0xFFFFFFFFFFE00000, 0x00007FFFFFFFF000, 0xFFFFFFFF7FFFF000]


def hex_case(n, upper):
    return ("0x%X" if upper else "0x%x") % n


def address_value(name):
    if name in ("fat_buffer_addr", "e820_buffer_addr", "stage2_addr"):
        number = st.one_of(LOW.map(lambda n: n & ~0xF), LOW, st.sampled_from([0x500, 0x1000, 0x5000, 0x7E00,
                                                                              0x8000, 0x8400, 0xA400, 0xC000]))
    elif name in ("stage2_stack_top", "boot_page_tables_addr", "pmm_bootstrap_addr", "kernel_stack_base",
                  "kernel_bss_base", "kernel_load_addr", "kernel_area_end"):
        number = st.one_of(PHYS.map(lambda n: n & ~0xFFF), PHYS)
    elif name == "disk_buffer_addr":
        number = st.one_of(st.integers(0, 0xB).map(lambda n: n << 16), LOW.map(lambda n: n * 8))
    else:
        number = st.one_of(st.sampled_from(VIRT_BASES),
                           st.sampled_from(VIRT_BASES).flatmap(
                               lambda b: st.integers(0, 1 << 32).map(lambda d: (b + (d << 12)) % (1 << 64))),
                           st.integers(0, 2 ** 64 - 1))
    text = st.tuples(number, st.booleans()).map(lambda t: hex_case(*t))
    return st.one_of(text, st.just("auto")) if name in L.AUTO_BY_PARAM else text


def value_for(name):
    kind = L.PARAM_BY_NAME[name].kind
    if kind == "address":
        return address_value(name)
    if kind == "size":
        return st.one_of(st.sampled_from(SIZES), st.integers(0, 1 << 40).map(str))
    if kind == "switch":
        return st.sampled_from(["y", "n", "Y", "N"])
    low, high = L.COUNT_RANGES[name]
    return st.integers(low - 2, high + 2).map(str)


@st.composite
def layouts(draw):
    """The defaults with one to five layout parameters redrawn."""
    values = context_with()
    for name in draw(st.lists(st.sampled_from(LAYOUT_PARAMS), min_size=1, max_size=5, unique=True)):
        values[name] = draw(value_for(name))
    return values


# An independent statement of the physical rules (not using layout.py's tables).
FIXED = [(0, 0x500, 1, 3), (0x7800, 0x7C00, 1, 3), (0x7C00, 0x7E00, 1, 2), (0x98000, 0xA0000, 1, 5),
         (0xA0000, 0x100000, 1, 5)]


def phys_oracle(x):
    regions = FIXED + [
        (x.fat_buffer_addr, x.fat_buffer_addr + 0x2400, 1, 2),
        (x.e820_buffer_addr, x.e820_buffer_addr + 0x1800, 3, 5),
        (x.stage2_addr, 0x10000, 1, 4),
        (x.disk_buffer_addr, x.disk_buffer_addr + 0x10000, 2, 2),
        (x.stage2_stack_top - 0x1000, x.stage2_stack_top, 4, 4),
        (x.boot_page_tables_addr, x.boot_page_tables_addr + 0x4000, 4, 4),
        (x.pmm_bootstrap_addr, x.pmm_bootstrap_addr + 0x3000, 5, 5),
        (x.kernel_stack_base, x.kernel_stack_base + x.kernel_stack_size, 4, 5),
        (x.kernel_bss_base, x.kernel_bss_base + x.kernel_bss_size, 4, 5),
        (x.kernel_load_addr, x.kernel_area_end, 2, 5),
    ]
    for i, (s1, e1, f1, l1) in enumerate(regions):
        for s2, e2, f2, l2 in regions[i + 1:]:
            assert not (s1 < e2 and s2 < e1 and max(f1, f2) <= min(l1, l2)), (hex(s1), hex(s2))
    for start, end, _f, _l in regions[5:8]:
        assert 0x500 <= start and end <= 0x10000 and start % 16 == 0
    assert 0x10000 - x.stage2_addr >= 0x1000
    assert 0x500 <= x.disk_buffer_addr and x.disk_buffer_addr + 0x10000 <= 0x98000
    assert x.disk_buffer_addr % 0x10000 == 0
    for start, end, _f, _l in regions[-3:]:
        assert 0x100000 <= start < end <= 0x200000 and start % 4096 == 0 and end % 4096 == 0
    assert x.kernel_stack_size >= 8192 and x.kernel_bss_size >= 16384 and x.kernel_area_end - x.kernel_load_addr >= 65536


def virt_oracle(x):
    areas = [(x.kernel_virt_base, x.kernel_virt_base + (4 << 20)), (x.pmm_area_base, x.pmm_area_base + x.pmm_area_size),
             (x.acpi_area_base, x.acpi_area_base + 4096 * x.acpi_area_pages), (x.lapic_virt_addr, x.lapic_virt_addr + 4096),
             (x.fba_base, x.fba_base + x.fba_size)]
    if x.automap_enabled:
        areas.append((x.automap_base, x.automap_base + x.automap_size))
    assert x.kernel_virt_base >= 0xFFFFFFFF80000000 and x.kernel_virt_base % (2 << 20) == 0
    for i, (s1, e1) in enumerate(areas):
        assert 0xFFFF800000000000 <= s1 < e1 <= 1 << 64 and s1 % 4096 == 0 and e1 % 4096 == 0
        for s2, e2 in areas[i + 1:]:
            assert not (s1 < e2 and s2 < e1)


@given(layouts())
@settings(max_examples=500, deadline=None)
def test_random_layouts(values):
    """validate() never raises; an accepted layout obeys the rules (checked independently) and renders every file."""
    layout, errors = L.parse_layout(values)
    assert all(v.rule in L.RULE_BY_ID for v in errors)
    if layout is None:
        return
    phys_oracle(layout)
    virt_oracle(layout)
    header = LAYOUT_GEN.render_c_header(layout)
    assert "LAYOUT_FBA_BITMAP_BLOCKS" in header
    for text in (LAYOUT_GEN.render_nasm(layout), LAYOUT_GEN.render_ld(layout), LAYOUT_GEN.render_make(layout),
                 LAYOUT_GEN.render_bochsrc(layout, "k.img", "serial.log"), LAYOUT_GEN.render_memory_map(layout)):
        assert LAYOUT_GEN.BANNER in text.splitlines()[0]


@given(layouts())
@settings(max_examples=200, deadline=None)
def test_rejections_name_a_changed_or_related_parameter(values):
    """Every violation names a parameter of the layout and shows its value with repr()."""
    for v in L.validate(values):
        assert v.param in L.PARAMS
        assert repr(values[v.param]) in v.message


@given(layouts())
@settings(max_examples=400, deadline=None)
def test_suggestions_are_whole(values):
    """For a refused layout that carries a suggestion, applying the suggestion
    yields a layout that validates. The suggestion changes only layout
    parameters, and a value the user chose only when a violation names it."""
    errors = L.validate(values)
    changes = L.suggest(values)
    if changes is None:
        return
    assert errors, "a valid layout needs no suggestion"
    assert L.validate(dict(values, **changes)) == [], changes
    named = {v.param for v in errors}
    for param in changes:
        assert param in LAYOUT_PARAMS
        assert values[param] == L.DEFAULTS[param] or param in named, (param, changes)


@given(layouts())
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.filter_too_much])
def test_accepted_random_layouts_bake(cookies, isolated_home, values):
    """A random layout that validate() accepts bakes completely, with no template text left."""
    assume(L.validate(values) == [])
    extra = {k: v for k, v in values.items() if k in LAYOUT_PARAMS}
    result = cookies.bake(template=ROOT, extra_context=extra)
    assert result.exit_code == 0, result.exception
    project = project_dir(result)
    assert leftover_jinja(project) == []
    assert os.path.isfile(os.path.join(project, "docs", "MemoryMap.md"))
