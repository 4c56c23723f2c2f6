#!/usr/bin/env python3
"""No-op rerun time of flow against DVC and Snakemake on the same command workflows.

Each tool gets a 4-step chain and a 200-step matrix of shell commands, runs it once to fill
its cache, then reruns with nothing changed. The median wall time of the reruns is printed
with flow's speed-up against each tool. Tools that are not installed are reported as such.

    python3 bench/noop_rerun.py [--flow .build/release/flow] [--repeat 7]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def flow_workflow(n, chain):
    lines = ["flow: 1", "steps:"]
    if chain:
        for i in range(n):
            inputs = f", inputs: {{p: {{step: s{i - 1}}}}}" if i else ""
            run = f"cat ${{inputs.p}} > ${{outputs.o}}; echo {i} >> ${{outputs.o}}" if i else f"echo {i} > ${{outputs.o}}"
            lines.append(f"  s{i}: {{command: {{run: \"{run}\"{inputs}, outputs: {{o: out.txt}}}}}}")
    else:
        lines.append("  sim:")
        lines.append(f"    matrix: {{i: [{', '.join(str(i) for i in range(n))}]}}")
        lines.append("    command: {run: \"echo ${matrix.i} > ${outputs.o}\", outputs: {o: out.txt}}")
    return "\n".join(lines) + "\n"


def dvc_workflow(n, chain):
    lines = ["stages:"]
    for i in range(n):
        lines.append(f"  s{i}:")
        if chain and i:
            lines.append(f"    cmd: cat out{i - 1}.txt > out{i}.txt && echo {i} >> out{i}.txt")
            lines.append(f"    deps: [out{i - 1}.txt]")
        else:
            lines.append(f"    cmd: echo {i} > out{i}.txt")
        lines.append(f"    outs: [out{i}.txt]")
    return "\n".join(lines) + "\n"


def snakefile(n, chain):
    if chain:
        rules = [f"rule all:\n    input: 'out{n - 1}.txt'\n"]
        for i in range(n):
            if i:
                rules.append(f"rule s{i}:\n    input: 'out{i - 1}.txt'\n    output: 'out{i}.txt'\n"
                             f"    shell: 'cat {{input}} > {{output}} && echo {i} >> {{output}}'\n")
            else:
                rules.append(f"rule s0:\n    output: 'out0.txt'\n    shell: 'echo 0 > {{output}}'\n")
        return "\n".join(rules)
    return (f"rule all:\n    input: expand('out/{{i}}.txt', i=range({n}))\n\n"
            "rule sim:\n    output: 'out/{i}.txt'\n    shell: 'echo {wildcards.i} > {output}'\n")


def timed(command, cwd, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {result.stderr[-500:]}")
    return statistics.median(times)


def bench_flow(binary, n, chain, repeat):
    with tempfile.TemporaryDirectory() as d:
        open(os.path.join(d, "w.yaml"), "w").write(flow_workflow(n, chain))
        subprocess.run([binary, "run", "w.yaml"], cwd=d, check=True, stdout=subprocess.DEVNULL)
        return timed([binary, "run", "w.yaml"], d, repeat)


def bench_dvc(n, chain, repeat):
    if not shutil.which("dvc"):
        return None
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["dvc", "init", "--no-scm", "-q"], cwd=d, check=True)
        open(os.path.join(d, "dvc.yaml"), "w").write(dvc_workflow(n, chain))
        subprocess.run(["dvc", "repro", "-q"], cwd=d, check=True, stdout=subprocess.DEVNULL)
        return timed(["dvc", "repro", "-q"], d, repeat)


def bench_snakemake(n, chain, repeat):
    if not shutil.which("snakemake"):
        return None
    with tempfile.TemporaryDirectory() as d:
        open(os.path.join(d, "Snakefile"), "w").write(snakefile(n, chain))
        subprocess.run(["snakemake", "-c1", "-q"], cwd=d, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return timed(["snakemake", "-c1", "-q"], d, repeat)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flow", default=".build/release/flow")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    binary = os.path.abspath(args.flow)
    cases = [("4-step chain", 4, True), ("200-step matrix", 200, False)]
    results = {}
    for label, n, chain in cases:
        results[("flow", label)] = bench_flow(binary, n, chain, args.repeat)
        results[("dvc", label)] = bench_dvc(n, chain, max(3, args.repeat // 2))
        results[("snakemake", label)] = bench_snakemake(n, chain, max(3, args.repeat // 2))

    print(f"no-op rerun, median wall time ({args.repeat} flow runs, {max(3, args.repeat // 2)} for the others)")
    print(f"{'tool':<12}" + "".join(f"{label:>30}" for label, _, _ in cases))
    for tool in ["flow", "dvc", "snakemake"]:
        row = f"{tool:<12}"
        for label, _, _ in cases:
            t = results[(tool, label)]
            if t is None:
                cell = "not installed"
            elif tool == "flow":
                cell = f"{t * 1000:.1f} ms"
            else:
                cell = f"{t * 1000:.0f} ms (flow {t / results[('flow', label)]:.0f}× faster)"
            row += f"{cell:>30}"
        print(row)
    targets = {"4-step chain": 0.050, "200-step matrix": 0.200}
    missed = [label for label, _, _ in cases if results[("flow", label)] > targets[label]]
    print("targets (≤ 50 ms for 4 steps, ≤ 200 ms for 200 steps): " + ("met" if not missed else "missed: " + ", ".join(missed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
