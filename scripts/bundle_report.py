#!/usr/bin/env python3
"""Where the browser bundle's bytes go: the code of the WASM module that cargo built
(before wasm-bindgen and wasm-opt, which drop the function names), by what the
functions belong to. Reads the module's own name section; no tool to install.

    python3 scripts/bundle_report.py [path/to/purser_app.wasm]
"""
import collections
import re
import sys

DEFAULT = "target/wasm32-unknown-unknown/wasm-release/purser_app.wasm"

# (label, pattern in the mangled name), first match wins: the async hydration code
# AnyView keeps for every view it erases comes first, as it is the largest share.
GROUPS = [
    ("views: async hydration (AnyView keeps it for every erased view)", r"hydrate_async"),
    ("views: hydration", r"hydrate"),
    ("serde (server-function payloads)", r"serde"),
    ("reactive_graph (signals, resources, actions)", r"reactive_graph"),
    ("tachys (views: build, rebuild, attributes)", r"tachys"),
    ("leptos_router", r"leptos_router"),
    ("server_fn (calls to the server)", r"server_fn"),
    ("purser_app", r"purser_app"),
    ("purser_core", r"purser_core"),
    ("formatting (core::fmt, floats)", r"3fmt|flt2dec"),
]


def leb(data, i):
    result = shift = 0
    while True:
        byte = data[i]
        i += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, i


def functions(data):
    """(size, name) of each function body."""
    i, imported, bodies, names = 8, 0, [], {}
    while i < len(data):
        section = data[i]
        size, i = leb(data, i + 1)
        end = i + size
        if section == 0:
            length, j = leb(data, i)
            if data[j : j + length] == b"name":
                j += length
                while j < end:
                    sub = data[j]
                    sub_size, j = leb(data, j + 1)
                    if sub == 1:
                        count, k = leb(data, j)
                        for _ in range(count):
                            index, k = leb(data, k)
                            length, k = leb(data, k)
                            names[index] = data[k : k + length].decode("utf8", "replace")
                            k += length
                    j += sub_size
        elif section == 2:
            count, j = leb(data, i)
            for _ in range(count):
                for _ in range(2):
                    length, j = leb(data, j)
                    j += length
                kind = data[j]
                j += 1
                if kind == 0:
                    _, j = leb(data, j)
                    imported += 1
                elif kind == 1:
                    j += 1
                    flags = data[j]
                    _, j = leb(data, j + 1)
                    if flags & 1:
                        _, j = leb(data, j)
                elif kind == 2:
                    flags = data[j]
                    _, j = leb(data, j + 1)
                    if flags & 1:
                        _, j = leb(data, j)
                elif kind == 3:
                    j += 2
        elif section == 10:
            count, j = leb(data, i)
            for _ in range(count):
                body, k = leb(data, j)
                bodies.append(k - j + body)
                j = k + body
        i = end
    return [(size, names.get(imported + n, "?")) for n, size in enumerate(bodies)]


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT
    try:
        data = open(path, "rb").read()
    except OSError as e:
        sys.exit(f"{path}: {e} (run `make build` first)")
    sized = functions(data)
    total = sum(size for size, _ in sized)
    groups = collections.Counter()
    for size, name in sized:
        label = next((g for g, p in GROUPS if re.search(p, name)), "everything else (std, alloc, glue)")
        groups[label] += size
    print(f"code before wasm-opt: {total:,} bytes in {len(sized):,} functions ({path})")
    for label, size in groups.most_common():
        print(f"  {size:>10,}  {100 * size / total:5.1f}%  {label}")


if __name__ == "__main__":
    main()
