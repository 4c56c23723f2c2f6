#!/usr/bin/env python3
"""Checks the positive-weight closure of the main workflow against the method's targets.

Reads each closure.json given (default: the network's and the boosted trees' of
`flow run workflows/pseudoscalar400.yaml`), prints its closure table and exits non-zero when any of
them misses a target. The file is a `compare` step's ClosureSummary (Sources/Artefacts).
"""
import json
import sys


def check(path):
    data = json.load(open(path))
    w = data["weights"]
    observables = data["observables"]
    print(f"== {path}")
    print(f"{'observable':<16} {'χ²/ndf':>8} {'max |pull|':>11} {'Σw′²/Σw²':>10}")
    for o in observables:
        print(f"{o['name']:<16} {o['chi2_per_degree']:>8.3f} {o['max_abs_pull']:>11.2f} {o['variance_ratio']:>10.3f}")
    print()
    print(f"negative fraction f     {w['negative_fraction_before']:.4f} → {w['negative_fraction_after']:.5f}")
    print(f"r₋ = Σ|w₋|/Σ|w|         {w['negative_weight_fraction_before']:.4f} → {w['negative_weight_fraction_after']:.5f}")
    print(f"Kish N_eff/N            {w['kish_fraction_before']:.4f} → {w['kish_fraction_after']:.4f}")
    print(f"Σw′/Σw                  {w['sum_ratio']:.5f} (pull {w['sum_pull']:+.2f} σ)")
    auc = data.get("two_sample_auc")
    print(f"two-sample AUC          {auc:.4f}" if auc is not None else "two-sample AUC          not run")
    checks = [
        ("fraction of w′ < 0 ≤ 0.1 %", w["negative_fraction_after"] <= 0.001),
        ("|Σw′/Σw − 1| ≤ 2 √Σw²/Σw", abs(w["sum_pull"]) <= 2),
        ("two-sample AUC ≤ 0.52", auc is not None and auc <= 0.52),
        ("Kish N_eff/N ≥ 2× the raw weights'", w["kish_fraction_after"] >= 2 * w["kish_fraction_before"]),
    ] + [(f"χ²/ndf({o['name']}) ≤ 1.5", o["chi2_per_degree"] <= 1.5) for o in observables]
    print()
    for label, ok in checks:
        print(("pass  " if ok else "FAIL  ") + label)
    passed = sum(ok for _, ok in checks)
    print(f"closure: {passed} passed, {len(checks) - passed} failed\n")
    return len(checks) - passed


paths = sys.argv[1:] or ["results/pseudoscalar400/closure/closure.json", "results/pseudoscalar400/closure_trees/closure.json"]
sys.exit(1 if sum(check(p) for p in paths) else 0)
