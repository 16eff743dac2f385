"""The generated project's `make fuzz` runs libFuzzer on its firmware parsers.

One test runs the real target briefly and reads libFuzzer's figures; the
other plants a bug in the E820 sanitiser of a baked copy and checks that the
fuzzer, not the seed corpus, finds it and that the target then fails.
"""
import glob
import os
import re
import subprocess

import pytest

from conftest import bake, make

FUZZERS = ("e820", "acpi")
FUZZ_SECONDS = 10
# Each harness manages tens of thousands of runs a second on one core; a
# tenth of that still shows the fuzzer ran rather than stopped at the seeds.
MIN_RUNS = 10000

pytestmark = pytest.mark.slow


def fuzzer_reports(output):
    """{name: text} of each harness's run in a `make fuzz` log."""
    parts = re.split(r"^\S*build/fuzz/fuzz_(\w+) .*$", output, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def test_make_fuzz_runs_each_harness(tmp_path):
    """make fuzz builds both harnesses, seeds them, and each runs its time budget cleanly."""
    project = bake(tmp_path)
    result = make(project, "fuzz", "FUZZ_SECONDS=%d" % FUZZ_SECONDS, check=False)
    assert result.returncode == 0, result.stdout[-4000:]
    reports = fuzzer_reports(result.stdout)
    assert sorted(reports) == sorted(FUZZERS), result.stdout[-4000:]
    for name in FUZZERS:
        report = reports[name]
        seeds = glob.glob(os.path.join(project, "build", "fuzz", "corpus-" + name, "seed-*"))
        assert len(seeds) >= 4, name
        done = re.search(r"^Done (\d+) runs in (\d+) second", report, re.M)
        assert done, report[-2000:]
        runs, seconds = int(done.group(1)), int(done.group(2))
        assert runs >= MIN_RUNS, "%s: %d runs" % (name, runs)
        assert seconds >= FUZZ_SECONDS, "%s stopped after %d s" % (name, seconds)
        coverage = [int(c) for c in re.findall(r" cov: (\d+) ", report)]
        assert coverage and max(coverage) >= 100, name  # the parser, not just the harness
        assert "deadly signal" not in report and "ERROR:" not in report


# Ranges that touch ([a, b) and [b, c)) no longer merge: a one-character slip
# that none of the seeds shows (no two of their usable entries touch).
E820_MUTANT = ("  while (i < *n && list[i].end < r.base)\n",
               "  while (i < *n && list[i].end <= r.base)\n")


def test_fuzzer_finds_a_planted_e820_bug(tmp_path):
    """With a broken merge in e820.c the seeds pass, but make fuzz-e820 finds a crash and fails."""
    project = bake(tmp_path)
    source = os.path.join(project, "kernel", "mm", "e820.c")
    with open(source) as handle:
        text = handle.read()
    assert text.count(E820_MUTANT[0]) == 1, "the mutation no longer applies to kernel/mm/e820.c"
    with open(source, "w") as handle:
        handle.write(text.replace(*E820_MUTANT))

    built = make(project, "build/fuzz/fuzz_e820", "build/fuzz/seeds.stamp", check=False)
    assert built.returncode == 0, built.stdout[-4000:]
    harness = os.path.join(project, "build", "fuzz", "fuzz_e820")
    seeds_only = subprocess.run([harness, "-runs=0", os.path.join(project, "build", "fuzz", "corpus-e820")],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                universal_newlines=True, timeout=60)
    assert seeds_only.returncode == 0, seeds_only.stdout[-3000:]

    # Within its 20 s budget the fuzzer must find the bug: otherwise make
    # would succeed.
    result = make(project, "fuzz-e820", "FUZZ_SECONDS=20", check=False)
    assert result.returncode != 0, result.stdout[-3000:]
    assert "ERROR: libFuzzer: deadly signal" in result.stdout, result.stdout[-3000:]
    crashes = glob.glob(os.path.join(project, "build", "fuzz", "e820-crash-*"))
    assert len(crashes) == 1
    # The saved input replays the failure.
    replay = subprocess.run([harness, crashes[0]], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True, timeout=60)
    assert replay.returncode != 0 and "deadly signal" in replay.stdout
