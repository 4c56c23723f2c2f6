#!/usr/bin/env python3
"""Checks Package.swift's target graph against the sources: every declared dependency is imported by
its target, and every project module a target imports is declared. Exit 1 listing the differences."""
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
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
