#!/usr/bin/env python3
"""Checks Package.swift's target graph against the sources and the module map: every declared dependency
is imported by its target, every project module a target imports is declared, and docs/architecture.md's
module table and diagram show exactly the declared edges between project modules. Exit 1 listing the
differences."""
import os
import re
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
package = open(os.path.join(root, "Package.swift")).read()
targets = {}
for m in re.finditer(r'\.(target|executableTarget|testTarget|systemLibrary)\(name: "([^"]+)"(?:, dependencies: \[([^\]]*)\])?(?:[^)]*?path: "([^"]+)")?', package):
    kind, name, deps, path = m.groups()
    deps = [d for d in re.findall(r'"([^"]+)"', deps or "") if d not in ("ArgumentParser", "swift-argument-parser")]
    if kind == "systemLibrary":
        targets[name] = None
        continue
    default = ("Tests/" if kind == "testTarget" else "Sources/") + name
    targets[name] = (deps, os.path.join(root, path or default))

problems = []
for name, entry in targets.items():
    if entry is None:
        continue
    deps, directory = entry
    imports = set()
    for folder, _, files in os.walk(directory):
        for f in files:
            if f.endswith(".swift"):
                text = open(os.path.join(folder, f)).read()
                imports |= set(re.findall(r'^\s*(?:@testable\s+)?import\s+(\w+)', text, re.M))
    for d in deps:
        if d not in imports:
            problems.append(f"{name}: declares {d} but never imports it")
    for i in sorted(imports & set(targets)):
        if i not in deps and i != name:
            problems.append(f"{name}: imports {i} without declaring it")
# The module map: the table's "depends on" column and the diagram's edges, for source targets.
doc = open(os.path.join(root, "docs", "architecture.md")).read()
system = {n for n, e in targets.items() if e is None}
def has_swift(path):
    return any(f.endswith(".swift") for _, _, files in os.walk(path) for f in files)
modules = {n: set(d) - system for n, (d, path) in ((n, e) for n, e in targets.items() if e is not None)
           if "/Tests/" not in path + "/" and os.path.isdir(path)}
c_targets = {n for n, e in targets.items() if e is not None and os.path.isdir(e[1]) and not has_swift(e[1])}
table = {}
for line in doc.splitlines():
    cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("| `") else []
    if len(cells) == 3:
        name = re.match(r"`([^`]+)`", cells[0]).group(1)
        if name in modules:
            table[name] = {d for d in re.findall(r"\b(\w+)\b", cells[2]) if d in modules}
for name, deps in modules.items():
    if name in c_targets and name not in table and not deps:
        continue  # a C target used only where the fuzzers are built
    if name not in table:
        problems.append(f"docs/architecture.md: no row for {name}")
    elif table[name] != deps:
        problems.append(f"docs/architecture.md: {name} depends on {sorted(deps)} in Package.swift, the table says {sorted(table[name])}")
edges = set()
for a, b in re.findall(r"^\s*(\w+)(?:\[[^\]]*\])?\s*-->\s*(\w+)", doc, re.M):
    edges.add((a, b))
declared = {(a, b) for a, deps in modules.items() for b in deps if a not in ("flow-bench",) and b not in c_targets}
# The diagram shows the module graph up to transitive edges: every edge drawn is declared, every declared
# edge is drawn or implied by a path.
def reachable(a, b, graph):
    seen, todo = set(), [a]
    while todo:
        x = todo.pop()
        for (p, q) in graph:
            if p == x and q not in seen:
                if q == b:
                    return True
                seen.add(q)
                todo.append(q)
    return False
for (a, b) in sorted(edges - declared):
    problems.append(f"docs/architecture.md: the diagram draws {a} --> {b}, which Package.swift does not declare")
for (a, b) in sorted(declared - edges):
    if not reachable(a, b, edges):
        problems.append(f"docs/architecture.md: the diagram lacks {a} --> {b} (declared in Package.swift)")
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
