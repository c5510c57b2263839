#!/usr/bin/env python3
"""The crate's import graph: which file uses which, and the circles in it.

Usage: scripts/imports.py [--tests] [--edges] [SRC_DIR]

Every path a file names is resolved to the file that defines the item: `use` statements
(brace groups expanded, `self::`/`super::`/child-module paths made absolute) and paths
written inline in the code (`crate::stats::auc(...)`). A path into a module that only
re-exports an item (`pub use`) is followed to the module that defines it. The binary's
files (main.rs, cli.rs, calculator.rs) form their own crate and reach the library through
`shoplab::`. Comments, string literals and, unless `--tests`, `#[cfg(test)]` modules are
left out.

It prints the strongly connected components with more than one member, between
top-level modules (folders, or single files such as metrics.rs) and between files, and the
edges that go against the layer order below.
"""

import os
import re
import sys

# Lowest first. A module may import modules at its own level or lower.
LAYERS = [
    ["rng", "stats", "format"],
    ["world"],
    ["metrics"],
    ["strategy"],
    ["scenario"],
    ["experiment"],
    ["roi"],
    ["report"],
    ["tui"],
    ["lib"],
    ["bin"],
]
LEVEL = {m: i for i, layer in enumerate(LAYERS) for m in layer}

BIN_FILES = {"main.rs", "cli.rs", "calculator.rs"}


def strip(text, keep_tests):
    """Removes comments, string and char literals, and (unless keep_tests) test modules."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif c == "r" and re.match(r'r#*"', text[i:i + 10]) and not text[i - 1:i].isalnum():
            hashes = re.match(r'r(#*)"', text[i:]).group(1)
            end = text.find('"' + hashes, i + 2 + len(hashes))
            out.append('""')
            i = n if end < 0 else end + 1 + len(hashes)
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            out.append('""')
            i += 1
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i + 4]):
            m = re.match(r"'(\\.|[^\\'])'", text[i:])
            out.append("' '")
            i += len(m.group(0))
        else:
            out.append(c)
            i += 1
    code = "".join(out)
    code, tests = split_test_modules(code)
    return code, (tests if keep_tests else [])


def split_test_modules(code):
    """Takes the `#[cfg(test)]` inline modules out: (the rest, [(module name, body)])."""
    tests = []
    while True:
        m = re.search(r"#\[cfg\(test\)\]\s*(pub(\([^)]*\))?\s+)?mod\s+(\w+)\s*\{", code)
        if not m:
            return code, tests
        depth, i = 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(code[i], 0)
            i += 1
        tests.append((m.group(3), code[m.end():i - 1]))
        code = code[:m.start()] + code[i:]


def module_files(src):
    """Maps module paths (tuples) to files, per crate: ('lib', ...) and ('bin', ...)."""
    files = {}
    for root, _, names in os.walk(src):
        for name in names:
            if not name.endswith(".rs"):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, src)
            parts = rel[:-3].split(os.sep)
            if rel in BIN_FILES:
                mod = ("bin",) if rel == "main.rs" else ("bin", parts[0])
            elif rel == "lib.rs":
                mod = ("lib",)
            else:
                if parts[-1] == "mod":
                    parts = parts[:-1]
                mod = ("lib",) + tuple(parts)
            files[mod] = rel
    return files


def split_use_tree(tree):
    """Expands `a::{b, c::{d, e as f}, self}` into lists of segments."""
    tree = re.sub(r"\s+as\s+\w+", "", tree)
    tree = re.sub(r"\s+", "", tree)

    def parse(s, prefix):
        paths, depth, start = [], 0, 0
        parts = []
        for i, ch in enumerate(s):
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            elif ch == "," and depth == 0:
                parts.append(s[start:i])
                start = i + 1
        parts.append(s[start:])
        for part in parts:
            if not part:
                continue
            b = part.find("{")
            if b >= 0:
                head = [x for x in part[:b].split("::") if x]
                paths += parse(part[b + 1:part.rindex("}")], prefix + head)
            else:
                segs = [x for x in part.split("::") if x]
                if segs == ["self"]:
                    paths.append(prefix)
                else:
                    paths.append(prefix + segs)
        return paths

    return parse(tree, [])


def parse_file(code):
    """(use statements as (is_pub, segments), inline paths as segments)."""
    uses = []
    for m in re.finditer(r"(?:^|[;{}\s])(pub(?:\([^)]*\))?\s+)?use\s+([^;]+);", code):
        for segs in split_use_tree(m.group(2)):
            uses.append((bool(m.group(1)), segs))
    no_use = re.sub(r"(?:^|[;{}\s])(pub(?:\([^)]*\))?\s+)?use\s+[^;]+;", " ", code)
    # Every path written in the code; those that start with neither a crate keyword, a
    # child module nor an imported name are dropped when they are made absolute.
    inline = [m.group(0).split("::") for m in re.finditer(r"(?<![\w:])\w+(?:::\w+)+", no_use)]
    return uses, inline


def absolute(segs, mod, files, aliases=None):
    """Makes a path absolute: a tuple starting with the crate ('lib' or 'bin')."""
    crate = mod[0]
    if not segs:
        return None
    head = segs[0]
    if aliases and head in aliases:
        return aliases[head] + tuple(segs[1:])
    if head == "crate":
        return (crate,) + tuple(segs[1:])
    if head == "shoplab":
        return ("lib",) + tuple(segs[1:])
    if head in ("self", "super"):
        base = list(mod)
        rest = list(segs)
        while rest and rest[0] in ("self", "super"):
            if rest[0] == "super":
                base.pop()
            rest.pop(0)
        return tuple(base) + tuple(rest)
    if mod + (head,) in files:  # a child module named without a prefix
        return mod + tuple(segs)
    return None  # an external crate


def deepest_module(path, files):
    """Splits an absolute path into (module, remaining segments)."""
    mod = path[:1]
    for seg in path[1:]:
        if mod + (seg,) in files:
            mod = mod + (seg,)
        else:
            break
    return mod, path[len(mod):]


class Graph:
    def __init__(self, src, keep_tests):
        self.files = module_files(src)
        self.parsed = {}
        # Paths written inside a file's inline test modules, which sit one level deeper.
        self.test_paths = {}
        for mod, rel in self.files.items():
            with open(os.path.join(src, rel), encoding="utf-8") as f:
                code, tests = strip(f.read(), keep_tests)
            self.parsed[mod] = parse_file(code)
            self.test_paths[mod] = []
            for name, body in tests:
                uses, inline = parse_file(body)
                self.test_paths[mod] += [(mod + (name,), s) for _, s in uses] + [
                    (mod + (name,), s) for s in inline
                ]

    def reexports(self, mod):
        """name -> absolute path, for a module's `pub use` items (globs under '*')."""
        out = {}
        for is_pub, segs in self.parsed[mod][0]:
            if not is_pub:
                continue
            path = absolute(segs, mod, self.files)
            if path is None:
                continue
            out.setdefault(path[-1], []).append(path)
        return out

    def defining_file(self, path, seen=()):
        mod, rest = deepest_module(path, self.files)
        if not rest or rest[0] == "*" or path in seen:
            return mod
        for target in self.reexports(mod).get(rest[0], []):
            if target[-1] == "*":
                continue
            return self.defining_file(target + tuple(rest[1:]), seen + (path,))
        for target in self.reexports(mod).get("*", []):
            inner = self.defining_file(target[:-1] + tuple(rest), seen + (path,))
            if inner != target[:-1]:
                return inner
        return mod

    def aliases(self, mod, at):
        """Names a `use` brings into scope at `at` (the file's module or a test module in
        it), as absolute paths: `use crate::strategy::registry;` lets `registry::check`
        name the registry."""
        uses = [s for _, s in self.parsed[mod][0]]
        if at != mod:
            uses = [s for a, s in self.test_paths[mod] if a == at and s] + uses
        out = {}
        for segs in uses:
            if segs and segs[-1] != "*":
                path = absolute(segs, at, self.files)
                if path is not None:
                    out.setdefault(segs[-1], path)
        return out

    def edges(self):
        out = set()
        for mod, (uses, inline) in self.parsed.items():
            paths = [(mod, s) for _, s in uses] + [(mod, s) for s in inline]
            for at, segs in paths + self.test_paths[mod]:
                path = absolute(segs, at, self.files, self.aliases(mod, at))
                if path is None:
                    continue
                target = self.defining_file(path)
                if target != mod and target in self.files:
                    out.add((mod, target))
        return out


def group(mod):
    if mod[0] == "bin":
        return "bin"
    if len(mod) == 1:
        return "lib"
    return mod[1]


def sccs(nodes, edges):
    """Tarjan's strongly connected components."""
    adj = {n: [] for n in nodes}
    for a, b in edges:
        adj[a].append(b)
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in adj[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(comp)

    sys.setrecursionlimit(10000)
    for n in sorted(nodes):
        if n not in index:
            visit(n)
    return [c for c in out if len(c) > 1]


def main():
    args = sys.argv[1:]
    keep_tests = "--tests" in args
    show_edges = "--edges" in args
    rest = [a for a in args if not a.startswith("--")]
    src = rest[0] if rest else os.path.join(os.path.dirname(__file__), "..", "src")
    g = Graph(src, keep_tests)
    edges = g.edges()
    name = lambda m: g.files[m]

    folder_edges = {(group(a), group(b)) for a, b in edges if group(a) != group(b)}
    folders = {group(m) for m in g.files}
    print(f"files: {len(g.files)}, file imports: {len(edges)}, "
          f"folder imports: {len(folder_edges)}" + (" (tests included)" if keep_tests else ""))

    comps = sccs(folders, folder_edges)
    print(f"\ncircles between top-level modules: {len(comps)}")
    for c in comps:
        print("  " + " ↔ ".join(sorted(c)))

    comps = sccs(set(g.files), edges)
    cross = [c for c in comps if len({group(m) for m in c}) > 1]
    print(f"\ncircles between files: {len(comps)} "
          f"({sum(len(c) for c in comps)} files), of which across folders: {len(cross)} "
          f"({sum(len(c) for c in cross)} files)")
    for c in sorted(comps, key=len, reverse=True):
        print(f"  [{len(c)}] " + ", ".join(sorted(name(m) for m in c)))

    upward = sorted((a, b) for a, b in edges
                    if LEVEL.get(group(a), 99) < LEVEL.get(group(b), 99))
    print(f"\nimports from a lower layer to a higher one: {len(upward)}")
    for a, b in upward:
        print(f"  {name(a)} -> {name(b)}")

    if show_edges:
        print("\nfolder imports:")
        for a, b in sorted(folder_edges):
            print(f"  {a} -> {b}")


if __name__ == "__main__":
    main()
