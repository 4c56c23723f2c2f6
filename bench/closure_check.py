#!/usr/bin/env python3
"""Checks the positive-weight closure of the main workflow against the method's targets.

Reads each closure.json given (default: the network's and the boosted trees' of
`flow run workflows/pseudoscalar400.yaml`), prints its closure table and exits non-zero when any of
them misses a target.
"""
import json
import sys


def check(path):
    data = json.load(open(path))
    m = data["metrics"]
    observables = list(data["histograms"])
    print(f"== {path}")
    print(f"{'observable':<16} {'χ²/ndf':>8} {'max |pull|':>11} {'Σw′²/Σw²':>10}")
    for name in observables:
        print(f"{name:<16} {m['chi2ndf_' + name]:>8.3f} {m['max_pull_' + name]:>11.2f} {m['variance_ratio_' + name]:>10.3f}")
    print()
    print(f"negative fraction f     {m['negative_fraction_before']:.4f} → {m['negative_fraction_after']:.5f}")
    print(f"r₋ = Σ|w₋|/Σ|w|         {m['negative_weight_fraction_before']:.4f} → {m['negative_weight_fraction_after']:.5f}")
    print(f"Kish N_eff/N            {m['kish_fraction_before']:.4f} → {m['kish_fraction_after']:.4f}")
    print(f"Σw′/Σw                  {m['sum_ratio']:.5f} (pull {m['sum_pull']:+.2f} σ)")
    print(f"two-sample AUC          {m['two_sample_auc']:.4f}")
    checks = [
        ("fraction of w′ < 0 ≤ 0.1 %", m["negative_fraction_after"] <= 0.001),
        ("|Σw′/Σw − 1| ≤ 2 √Σw²/Σw", abs(m["sum_pull"]) <= 2),
        ("two-sample AUC ≤ 0.52", m["two_sample_auc"] <= 0.52),
        ("Kish N_eff/N ≥ 2× the raw weights'", m["kish_fraction_after"] >= 2 * m["kish_fraction_before"]),
    ] + [(f"χ²/ndf({name}) ≤ 1.5", m["chi2ndf_" + name] <= 1.5) for name in observables]
    print()
    for label, ok in checks:
        print(("pass  " if ok else "FAIL  ") + label)
    passed = sum(ok for _, ok in checks)
    print(f"closure: {passed} passed, {len(checks) - passed} failed\n")
    return len(checks) - passed


paths = sys.argv[1:] or ["results/pseudoscalar400/closure/closure.json", "results/pseudoscalar400/closure_trees/closure.json"]
sys.exit(1 if sum(check(p) for p in paths) else 0)
