#!/usr/bin/env python3
"""What each page loads first, as sent: the JavaScript, the WASM and the stylesheet
under their hashed names, raw, gzip and brotli, and how many WASM files that is. Exits
1 when a page's initial load is over the byte budget or needs more than MAX_WASM_FILES
WASM files: over HTTP/1.1 each is a request, and a page that needs dozens waits for
round trips, not bytes (the split bundle's 146 files took Billing & usage 3 s to
hydrate at 100 ms RTT). A bundle split again (a `__wasm_split_manifest.json` beside
it) counts each page's own modules too.

    python3 scripts/bundle_sizes.py BUDGET_GZ [target/site/pkg]
"""
import json
import os
import sys

MAX_WASM_FILES = 4


def sizes(path):
    """(raw, gzip, brotli) bytes of a file and its precompressed copies."""
    return tuple(os.path.getsize(p) for p in (path, path + ".gz", path + ".br"))


def add(a, b):
    return tuple(x + y for x, y in zip(a, b))


def main():
    budget = int(sys.argv[1])
    pkg = sys.argv[2] if len(sys.argv) > 2 else "target/site/pkg"
    hashes = {}
    with open(os.path.join(pkg, "hash.txt")) as f:
        for line in f:
            if ":" in line:
                kind, value = line.split(":", 1)
                hashes[kind.strip()] = value.strip()
    common_files = [f"purser.{hashes[ext]}.{ext}" for ext in ("js", "wasm", "css")]
    manifest_path = os.path.join(pkg, "__wasm_split_manifest.json")
    manifest = {}
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)

    row = "{:<40} {:>10} {:>10} {:>10}"
    print(row.format("every page loads", "bytes", "gzip", "brotli"))
    common = (0, 0, 0)
    for name in common_files:
        size = sizes(os.path.join(pkg, name))
        common = add(common, size)
        print(row.format(name, *size))
    print(row.format("total", *common))
    print()

    # (load in gzip bytes, WASM files, page)
    pages = [(common[1], 1, "every page")]
    for lazy_fn, modules in sorted(manifest.items()):
        own = (0, 0, 0)
        for module in modules:
            own = add(own, sizes(os.path.join(pkg, module + ".wasm")))
        pages.append((common[1] + own[1], 1 + len(modules), lazy_fn))
    status = 0
    heaviest = max(pages)
    most_files = max(pages, key=lambda p: p[1])
    if heaviest[0] > budget:
        print(
            f"FAIL: {heaviest[2]} loads {heaviest[0]} bytes of gzip first, over the budget "
            f"of {budget} (PURSER_BUNDLE_BUDGET_GZ)",
            file=sys.stderr,
        )
        status = 1
    if most_files[1] > MAX_WASM_FILES:
        print(
            f"FAIL: {most_files[2]} needs {most_files[1]} WASM files, over {MAX_WASM_FILES}",
            file=sys.stderr,
        )
        status = 1
    if status == 0:
        print(
            f"every page within budget: at most {heaviest[0]} of {budget} bytes of gzip, "
            f"in at most {most_files[1]} WASM file(s) of {MAX_WASM_FILES}"
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
