"""Instructions per dataset of the parse and score steps, counted by callgrind.

Wall-clock and CPU times on a shared VM drift by tens of percent within an hour, so a
code change worth 5 % cannot be told from noise by timing it. Valgrind's callgrind counts
the instructions the interpreter executes instead: the same count for the same code and
input, whatever else the machine is doing. It is the harness for comparing two versions
of the code; `bench.py` remains the one for the goals (rates, memory, latency).

    .venv/bin/python benchmarks/instructions.py                     # JSON-LD, 5 pages
    .venv/bin/python benchmarks/instructions.py --formats jsonld,ttl,rdfxml --against HEAD~3

For each format it runs the same child process three times under callgrind, on the
gunzipped pages of the cached 10,000-dataset catalog (`bench.py`'s, generated if
missing):

* base: imports, reading the pages, one warm-up page parsed and scored (memos filled,
  lazy imports done);
* parse: the same, then `read_page` (`parse_page` in revisions before it) on each page;
* score: the same, then `score_page` too (SHACL counts here: it moved from parsing
  to scoring with `read_page`);

so that parse = (parse − base) and score = (score − parse), divided by the datasets of
the measured pages. `--against REV` measures a git revision too, from a temporary
worktree, and prints the change. Results go to `benchmarks/results/instructions-<time>.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import RESULTS, catalog

ROOT = Path(__file__).resolve().parent.parent
MODES = ("base", "parse", "score")

# Runs in the measured interpreter; argv: mode, catalog folder, pages, expected src.
_CHILD = """
import gzip, sys
from pathlib import Path
import dcat_quality
from dcat_quality.worker import score_page
try:  # SHACL runs in the scoring step since read_page exists; before, in parse_page
    from dcat_quality.dcat.parse import read_page as parse_page
except ImportError:
    from dcat_quality.dcat.parse import parse_page

def score(parsed, name):
    try:  # since versioned history: the page, and a context (None: score everything)
        return score_page(parsed)
    except TypeError:  # before: link statuses, run id and page name
        return score_page(parsed, None, 1, name)

mode, folder, count, src = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
if not dcat_quality.__file__.startswith(src):
    sys.exit(f"imported {dcat_quality.__file__}, not the code under {src}")
files = sorted(folder.glob("page-*"))[: count + 1]
pages = [(f.name.removesuffix(".gz"), gzip.decompress(f.read_bytes())) for f in files]
(warm_name, warm_data), measured = pages[0], pages[1:]
score(parse_page(warm_data, warm_name), warm_name)
datasets = 0
for name, data in measured:
    if mode == "base":
        continue
    parsed = parse_page(data, name)
    datasets += len(getattr(parsed, "page", parsed).datasets)
    if mode == "score":
        score(parsed, name)
print(datasets)
"""


def instructions(src: Path, mode: str, folder: Path, pages: int) -> tuple[int, int]:
    """(instructions executed, datasets measured) of one child run under callgrind."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out}",
                sys.executable,
                "-c",
                _CHILD,
                mode,
                str(folder),
                str(pages),
                str(src),
            ],
            env={**os.environ, "PYTHONPATH": str(src), "PYTHONHASHSEED": "0"},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            sys.exit(f"the {mode} run failed:\n{done.stderr[-2000:]}")
        summary = next(line for line in out.read_text().splitlines() if line.startswith("summary:"))
    return int(summary.split()[1]), int(done.stdout.split()[-1])


def per_dataset(src: Path, fmt: str, pages: int) -> dict[str, int]:
    folder = catalog(10_000, fmt)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        counts = dict(
            zip(MODES, pool.map(lambda m: instructions(src, m, folder, pages), MODES), strict=True)
        )
    datasets = counts["parse"][1]
    return {
        "datasets": datasets,
        "parse": (counts["parse"][0] - counts["base"][0]) // datasets,
        "score": (counts["score"][0] - counts["parse"][0]) // datasets,
    }


def worktree(revision: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="dcat-quality-rev-"))
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(folder), revision],
        check=True,
    )
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--formats", default="jsonld", help="comma-separated (jsonld,ttl,rdfxml)")
    parser.add_argument("--pages", type=int, default=5, help="measured pages of 100 datasets")
    parser.add_argument("--against", metavar="REV", help="also measure this git revision")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is needed (Debian: apt-get install valgrind)")
    formats = args.formats.split(",")
    versions = {"working tree": ROOT / "src"}
    tree = worktree(args.against) if args.against else None
    if tree is not None:
        versions = {args.against: tree / "src", **versions}
    results: dict[str, dict[str, dict[str, int]]] = {}
    try:
        for fmt in formats:
            for label, src in versions.items():
                print(f"{fmt}: {label} …", flush=True)
                results.setdefault(fmt, {})[label] = per_dataset(src, fmt, args.pages)
    finally:
        if tree is not None:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False
            )
    print(f"\n{'format':<8}{'version':<16}{'parse':>14}{'score':>14}   instructions per dataset")
    for fmt, by_version in results.items():
        first = next(iter(by_version.values()))
        for label, figures in by_version.items():
            change = ""
            if tree is not None and label == "working tree":
                change = "   " + ", ".join(
                    f"{step} {100 * (figures[step] - first[step]) / first[step]:+.1f}%"
                    for step in ("parse", "score")
                )
            print(f"{fmt:<8}{label:<16}{figures['parse']:>14,}{figures['score']:>14,}{change}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"instructions-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(json.dumps({"pages": args.pages, "results": results}, indent=2))
    print(f"\nresults written to {out}")


if __name__ == "__main__":
    main()
