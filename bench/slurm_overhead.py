#!/usr/bin/env python3
"""Scheduling overhead of `flow run --executor slurm` against bare sbatch on the same cluster.

Three shapes, each timed side by side with the same work submitted by hand:
  single  one trivial step: flow's submit -> running -> recorded, against sbatch + polling scontrol
  chain   5 steps in a row: flow submits each when its input is recorded; by hand, an afterok chain
  fanout  8 independent steps: flow's whole run, against 8 sbatch calls and waiting for all

flow's figures include loading the workflow, computing keys, writing tickets, the job's own
`flow exec-step` (load, verify key, run, store the record) and publishing results. Medians of
--repeat runs; the ratio is flow / bare. Needs a running cluster (../shared/slurm/start-local-slurm.sh).

    python3 bench/slurm_overhead.py [--flow .build/release/flow] [--repeat 5]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

POLL = 0.05


def sbatch(*args):
    out = subprocess.run(["sbatch", "--parsable", *args], check=True, capture_output=True, text=True).stdout
    return out.strip().split(";")[0]


def state(job):
    line = subprocess.run(["scontrol", "show", "job", "-o", job], capture_output=True, text=True).stdout
    for field in line.split():
        if field.startswith("JobState="):
            return field.split("=", 1)[1]
    return "UNKNOWN"


def wait_all(jobs):
    pending = set(jobs)
    while pending:
        time.sleep(POLL)
        for job in list(pending):
            if state(job) in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT"):
                pending.discard(job)


def bare(shape, directory):
    out = os.path.join(directory, "slurm-%j.out")
    start = time.perf_counter()
    if shape == "single":
        wait_all([sbatch("-o", out, "--wrap", "true")])
    elif shape == "chain":
        previous, jobs = None, []
        for _ in range(5):
            dep = [f"--dependency=afterok:{previous}"] if previous else []
            previous = sbatch("-o", out, *dep, "--wrap", "true")
            jobs.append(previous)
        wait_all(jobs)
    else:
        wait_all([sbatch("-o", out, "--wrap", "true") for _ in range(8)])
    return time.perf_counter() - start


def workflow(shape, salt):
    lines = ["flow: 1", f"name: bench-{shape}", "executor: {kind: slurm, poll_interval: 0.05}", "steps:"]
    if shape == "single":
        lines.append(f"  s: {{command: {{run: \"echo {salt} > ${{outputs.o}}\", outputs: {{o: o.txt}}}}}}")
    elif shape == "chain":
        for i in range(5):
            inputs = f", inputs: {{p: {{step: s{i - 1}}}}}" if i else ""
            lines.append(f"  s{i}: {{command: {{run: \"echo {salt} {i} > ${{outputs.o}}\"{inputs}, outputs: {{o: o.txt}}}}}}")
    else:
        lines.append("  s:")
        lines.append("    matrix: {i: [1, 2, 3, 4, 5, 6, 7, 8]}")
        lines.append(f"    command: {{run: \"echo {salt} ${{matrix.i}} > ${{outputs.o}}\", outputs: {{o: o.txt}}}}")
    return "\n".join(lines) + "\n"


def flow_run(flow, shape, directory, salt):
    path = os.path.join(directory, f"{shape}.yaml")
    with open(path, "w") as f:
        f.write(workflow(shape, salt))  # a new salt: every step has a new key, so all of them run
    start = time.perf_counter()
    subprocess.run([flow, "run", path], check=True, capture_output=True)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--flow", default=".build/release/flow")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    flow = os.path.abspath(args.flow)
    directory = tempfile.mkdtemp(prefix="flow-slurm-bench-")
    try:
        print(f"{'shape':8} {'steps':>5} {'bare sbatch':>12} {'flow':>8} {'flow/bare':>10} {'flow overhead/step':>19}")
        for shape, steps in (("single", 1), ("chain", 5), ("fanout", 8)):
            bare_times, flow_times = [], []
            for r in range(args.repeat):
                bare_times.append(bare(shape, directory))
                flow_times.append(flow_run(flow, shape, directory, f"{time.time_ns()}-{r}"))
            b, f = statistics.median(bare_times), statistics.median(flow_times)
            print(f"{shape:8} {steps:5d} {b:11.2f}s {f:7.2f}s {f / b:9.2f}x {(f - b) / steps * 1000:16.0f} ms")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
