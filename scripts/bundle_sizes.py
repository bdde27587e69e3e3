#!/usr/bin/env python3
"""What each page loads first, as sent: the main module (its JavaScript, the page
modules' loader, the WASM), the stylesheet, and the page's own modules (from
__wasm_split_manifest.json: its split module and the chunks it shares with other
pages), raw, gzip and brotli. Exits 1 when a page's initial load is over the budget.

    python3 scripts/bundle_sizes.py BUDGET_GZ [target/site/pkg]
"""
import json
import os
import re
import sys


def sizes(path):
    """(raw, gzip, brotli) bytes of a file and its precompressed copies."""
    return tuple(os.path.getsize(p) for p in (path, path + ".gz", path + ".br"))


def add(a, b):
    return tuple(x + y for x, y in zip(a, b))


def route_name(lazy_fn):
    """`__members_page_view_1234…` (the lazy function leptos makes of a route's view)
    → `members_page`."""
    name = re.sub(r"_\d+$", "", lazy_fn).strip("_")
    return re.sub(r"_view$", "", name)


def main():
    budget = int(sys.argv[1])
    pkg = sys.argv[2] if len(sys.argv) > 2 else "target/site/pkg"
    hashes = {}
    with open(os.path.join(pkg, "hash.txt")) as f:
        for line in f:
            if ":" in line:
                kind, value = line.split(":", 1)
                hashes[kind.strip()] = value.strip()
    common_files = [
        f"purser.{hashes['js']}.js",
        f"__wasm_split.{hashes['split']}.js",
        f"purser.{hashes['wasm']}.wasm",
        f"purser.{hashes['css']}.css",
    ]
    with open(os.path.join(pkg, "__wasm_split_manifest.json")) as f:
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

    print(row.format("initial load of a page (its modules)", "bytes", "gzip", "brotli"))
    worst = (0, "")
    every_module = set()
    for lazy_fn, modules in sorted(manifest.items(), key=lambda kv: route_name(kv[0])):
        own = (0, 0, 0)
        for module in modules:
            every_module.add(module)
            own = add(own, sizes(os.path.join(pkg, module + ".wasm")))
        total = add(common, own)
        name = route_name(lazy_fn)
        print(row.format(f"{name} (+{own[1]} gzip)", *total))
        worst = max(worst, (total[1], name))
    modules_total = (0, 0, 0)
    for module in every_module:
        modules_total = add(modules_total, sizes(os.path.join(pkg, module + ".wasm")))
    print(row.format(f"all {len(every_module)} page modules", *modules_total))
    print()

    if worst[0] > budget:
        print(
            f"FAIL: {worst[1]} loads {worst[0]} bytes of gzip first, over the budget of "
            f"{budget} (PURSER_BUNDLE_BUDGET_GZ)",
            file=sys.stderr,
        )
        return 1
    print(f"every page within budget: at most {worst[0]} ({worst[1]}) of {budget} bytes of gzip")
    return 0


if __name__ == "__main__":
    sys.exit(main())
