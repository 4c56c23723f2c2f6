#!/usr/bin/env python3
"""The main workflow's closure and downstream results over several network seeds, checked against the
method's targets (issue: honest closure).

Usage: closure_check.py [--report-only] SEED_DIR...   (default: every directory under results/seeds/)

Each SEED_DIR holds what one run of `flow run workflows/pseudoscalar400.yaml -p network_seed=N` wrote:
closure.json and closure_trees.json (compare steps' ClosureSummary, Sources/Artefacts) and
classifier.json (the classify step's ClassifierSummary). Prints, per weight model, the paired closure
table as mean ± standard deviation over the seeds, and the downstream significance of every strategy;
exits 1 when a target is missed (with --report-only: says so, and exits 0).
"""
import glob
import json
import os
import statistics
import sys


def mean_sd(values):
    values = [v for v in values if v is not None]
    if not values:
        return float("nan"), float("nan")
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def fmt(values, digits=2):
    m, s = mean_sd(values)
    return f"{m:.{digits}f} ± {s:.{digits}f}"


def closure_checks(label, summaries):
    print(f"== {label}: {len(summaries)} seeds")
    names = [o["name"] for o in summaries[0]["observables"]]
    print(f"{'observable':<16} {'paired χ²/ndf':>16} {'max |pull|':>14} {'truth χ²/ndf':>14} {'independent':>14}")
    failures = []
    for i, name in enumerate(names):
        obs = [s["observables"][i] for s in summaries]
        paired = [o["paired"]["chi2_per_degree"] for o in obs]
        pulls = [o["paired"]["max_abs_pull"] for o in obs]
        truth = [o["truth"]["chi2_per_degree"] if o.get("truth") else None for o in obs]
        independent = [o["independent_chi2_per_degree"] for o in obs]
        print(f"{name:<16} {fmt(paired):>16} {fmt(pulls, 1):>14} {fmt(truth):>14} {fmt(independent):>14}")
        m_paired, m_truth, m_pull = mean_sd(paired)[0], mean_sd(truth)[0], mean_sd(pulls)[0]
        if m_paired > 1.5:
            failures.append(f"paired χ²/ndf({name}) = {m_paired:.2f} > 1.5")
        if truth[0] is not None and m_paired > 1.5 * max(m_truth, 1.0):
            failures.append(f"paired χ²/ndf({name}) = {m_paired:.2f} > 1.5 × the truth's {m_truth:.2f}")
        if m_pull > 4:
            failures.append(f"largest paired pull of {name} = {m_pull:.1f} > 4")
    w = [s["weights"] for s in summaries]
    negative = [x["negative_fraction_after"] for x in w]
    sum_pull = [x["sum_pull"] for x in w]
    kish = [x["kish_fraction_after"] for x in w]
    truth_kish = [x.get("kish_fraction_truth") for x in w]
    auc = [s.get("two_sample_auc") for s in summaries]
    auc_error = [s.get("two_sample_auc_error") for s in summaries]
    print(f"w′ < 0: {fmt(negative, 5)}; Σw′/Σw paired pull {fmt(sum_pull)}; Kish N_eff/N {w[0]['kish_fraction_before']:.3f} → {fmt(kish, 3)}"
          + (f" (exact E[w|x]: {mean_sd(truth_kish)[0]:.3f})" if truth_kish[0] is not None else ""))
    print(f"two-sample AUC {fmt(auc, 4)} (bootstrap error {mean_sd(auc_error)[0]:.4f})")
    if mean_sd(negative)[0] > 0.001:
        failures.append(f"w′ < 0 in {mean_sd(negative)[0]:.4%} of events > 0.1 %")
    if abs(mean_sd(sum_pull)[0]) > 2:
        failures.append(f"Σw′/Σw paired pull {mean_sd(sum_pull)[0]:+.2f} beyond 2σ")
    if auc[0] is not None and abs(mean_sd(auc)[0] - 0.5) > 2 * max(mean_sd(auc_error)[0], 1e-9):
        failures.append(f"two-sample AUC {mean_sd(auc)[0]:.4f} beyond 2σ of 0.5")
    for f in failures:
        print("FAIL  " + f)
    print(f"{label}: {'all targets met' if not failures else f'{len(failures)} targets missed'}\n")
    return failures


def downstream_checks(summaries):
    print(f"== downstream classifier: {len(summaries)} seeds, "
          + ("judged on events no weight model saw" if all(s.get("leak_free") for s in summaries) else "NOT leak-free"))
    names = [s["name"] for s in summaries[0]["strategies"]]
    print(f"{'signal weights in training':<28} {'AUC':>18} {'√Σs²/b (over seeds)':>22} {'bootstrap σ':>12} {'profile Z₀':>14} {'μ limit (95 % CL)':>18}")
    z = {}
    for i, name in enumerate(names):
        strategies = [s["strategies"][i] for s in summaries]
        z[name] = [x["significance"] for x in strategies]
        print(f"{name:<28} {fmt([x['auc'] for x in strategies], 4):>18} {fmt(z[name], 1):>22} {mean_sd([x['significance_error'] for x in strategies])[0]:>12.1f}"
              f" {fmt([x['profile']['significance'] for x in strategies], 2):>14} {fmt([x['profile']['upper_limits'][2] for x in strategies], 3):>18}")
    reference = [s["reference_significance"] for s in summaries]
    profiles = [s["reference_profile"] for s in summaries]
    print(f"{summaries[0]['reference_observable'] + ' histogram alone':<28} {'':>18} {fmt(reference, 1):>22} "
          f"{mean_sd([s['reference_significance_error'] for s in summaries])[0]:>12.1f}"
          f" {fmt([p['significance'] for p in profiles], 2):>14} {fmt([p['upper_limits'][2] for p in profiles], 3):>18}")
    failures = []
    if not all(s.get("leak_free") for s in summaries):
        failures.append("the classifier's test events were not kept away from the weight models")
    given = "transformed" if "transformed" in z else names[0]
    if mean_sd(z[given])[0] < mean_sd(reference)[0]:
        failures.append(f"Z(w′) = {mean_sd(z[given])[0]:.1f} < Z({summaries[0]['reference_observable']} histogram) = {mean_sd(reference)[0]:.1f}")
    for f in failures:
        print("FAIL  " + f)
    print(f"downstream: {'all targets met' if not failures else f'{len(failures)} targets missed'}\n")
    return failures


METHODS = [("per-event network", "closure.json"), ("per-event trees", "closure_trees.json"), ("local-mean network", "closure_local.json"),
           ("cell resampling", "closure_cells.json"), ("drop negative", "closure_positive_only.json"), ("\\|w\\|", "closure_abs.json")]


def methods_table(directories):
    """Every weighting side by side on the same events, as a Markdown table (means over the seeds)."""
    load = lambda d, f: json.load(open(os.path.join(d, f)))
    columns = []
    for label, file in METHODS:
        present = [load(d, file) for d in directories if os.path.exists(os.path.join(d, file))]
        if present:
            columns.append((label, present))
    if not columns:
        return
    first = columns[0][1][0]
    truth_kish = first["weights"].get("kish_fraction_truth")
    print("== every weighting on the same events (mean over the seeds present)")
    print("| quantity | original w | " + " | ".join(label for label, _ in columns) + " |")
    print("|---|---|" + "---|" * len(columns))
    m = lambda summaries, get: mean_sd([get(s) for s in summaries])[0]
    print(f"| w′ < 0 | {first['weights']['negative_fraction_before']:.3f} | "
          + " | ".join(f"{m(c, lambda s: s['weights']['negative_fraction_after']):.5f}" for _, c in columns) + " |")
    kish = lambda c: m(c, lambda s: s["weights"]["kish_fraction_after"])
    print(f"| Kish N_eff/N (÷ exact E[w\\|x]'s {truth_kish:.3f}) | {first['weights']['kish_fraction_before']:.3f} | "
          + " | ".join(f"{kish(c):.3f} ({kish(c) / truth_kish:.2f})" for _, c in columns) + " |")
    print("| Σw′/Σw paired pull | 0 | " + " | ".join(f"{m(c, lambda s: s['weights']['sum_pull']):+.2f}" for _, c in columns) + " |")
    for i, o in enumerate(first["observables"]):
        print(f"| paired χ²/ndf {o['name']} (truth {o['truth']['chi2_per_degree']:.2f}) | | "
              + " | ".join(f"{m(c, lambda s: s['observables'][i]['paired']['chi2_per_degree']):.2f}" for _, c in columns) + " |")
    print("| two-sample AUC | | " + " | ".join(f"{m(c, lambda s: s.get('two_sample_auc')):.4f}" for _, c in columns) + " |\n")


def main():
    arguments = sys.argv[1:]
    report_only = "--report-only" in arguments
    directories = [a for a in arguments if a != "--report-only"] or sorted(glob.glob("results/seeds/*"))
    if not directories:
        sys.exit("no seed directories: run `make closure`")
    load = lambda d, f: json.load(open(os.path.join(d, f)))
    failures = []
    for label, file in [("network", "closure.json"), ("boosted trees", "closure_trees.json")]:
        present = [d for d in directories if os.path.exists(os.path.join(d, file))]
        if present:
            failures += closure_checks(label, [load(d, file) for d in present])
    methods_table(directories)
    present = [d for d in directories if os.path.exists(os.path.join(d, "classifier.json"))]
    if present:
        failures += downstream_checks([load(d, "classifier.json") for d in present])
    if len(directories) < 3:
        failures.append(f"{len(directories)} seeds: a headline number is a mean over at least 3")
        print("FAIL  fewer than 3 seeds")
    print(f"{len(failures)} targets missed" if failures else "every target met")
    sys.exit(1 if failures and not report_only else 0)


main()
