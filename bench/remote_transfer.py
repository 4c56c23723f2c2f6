#!/usr/bin/env python3
"""flow's XRootD remote against the XRootD client tools on the same files and the same server.

Two stores, each made by a `flow run` in a scratch workspace:
  toy    examples/toy-1d.yaml: a few large objects (events, models, the report)
  matrix 200 command steps writing 16 KiB each: 400 small objects (outputs and logs)

For each store, medians of --repeat runs, each into a new folder on the server:
  push   `flow push` (objects and records, atomically: staged, then renamed in one xrdfs session)
         against one `xrdcp --recursive --parallel 4` of .flow/objects and .flow/steps (no renames)
  pull   `flow pull` into a fresh clone (every object checked against its digest)
         against one `xrdcp --recursive --parallel 4` of the same folder back
and, once, what one xrdcp process per object would cost (the tools' per-call price).
Last, the 200-step workflow re-run with nothing to do, `--remote` against `--no-remote` (a no-op run
must not look anything up remotely), and a fresh clone's `flow run --remote` (all 200 steps downloaded).

Needs a running server (`make xrootd`: root://localhost:1094).

    python3 bench/remote_transfer.py [--flow .build/release/flow] [--repeat 5] [--server root://localhost:1094]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(*args, cwd=None):
    return subprocess.run(list(args), cwd=cwd, check=True, capture_output=True, text=True).stdout


def timed(*args, cwd=None):
    start = time.perf_counter()
    run(*args, cwd=cwd)
    return time.perf_counter() - start


def remove_tree(server, base):
    """Empties and removes a folder on the server (xrdfs has no recursive rm): one session of commands."""
    listing = subprocess.run(["xrdfs", server, "ls", "-l", "-R", base], capture_output=True, text=True).stdout
    files = [line.split()[-1] for line in listing.splitlines() if line.startswith("-")]
    folders = sorted({line.split()[-1] for line in listing.splitlines() if line.startswith("d")}, key=len, reverse=True)
    commands = [f"rm {f}" for f in files] + [f"rmdir {d}" for d in folders] + [f"rmdir {base}", "exit"]
    subprocess.run(["xrdfs", server], input="\n".join(commands) + "\n", capture_output=True, text=True)


def store_size(workspace):
    total, count = 0, 0
    for folder, _, files in os.walk(os.path.join(workspace, ".flow", "objects")):
        for f in files:
            total += os.path.getsize(os.path.join(folder, f))
            count += 1
    return total, count


def matrix_workflow(steps):
    points = ", ".join(str(i) for i in range(steps))
    return ("flow: 1\nname: remote-bench\nsteps:\n  s:\n"
            f"    matrix: {{i: [{points}]}}\n"
            "    command: {run: \"head -c 16384 /dev/zero | tr '\\\\0' x > ${outputs.o}; echo ${matrix.i} >> ${outputs.o}\", outputs: {o: o.txt}}\n")


def workspace(directory, name, files):
    path = os.path.join(directory, name)
    os.makedirs(os.path.join(path, ".git"))
    for file, text in files.items():
        with open(os.path.join(path, file), "w") as f:
            f.write(text)
    return path


def fmt(seconds):
    return f"{seconds * 1000:7.0f} ms" if seconds < 10 else f"{seconds:7.1f} s "


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--flow", default=".build/release/flow")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--server", default="root://localhost:1094")
    args = parser.parse_args()
    flow, server = os.path.abspath(args.flow), args.server
    directory = tempfile.mkdtemp(prefix="flow-remote-bench-")
    base = f"/flow-bench-{os.getpid()}"
    try:
        toy = open(os.path.join(HERE, "examples", "toy-1d.yaml")).read()
        stores = {
            "toy": ("toy-1d.yaml", toy),
            "matrix": ("w.yaml", matrix_workflow(200)),
        }
        print(f"{'store':7} {'objects':>7} {'size':>9} {'what':5} {'xrdcp -r':>10} {'flow':>10} {'flow/xrdcp':>10}")
        for name, (file, text) in stores.items():
            source = workspace(directory, f"{name}-source", {file: text})
            run(flow, "run", file, cwd=source)
            size, count = store_size(source)
            lock = open(os.path.join(source, file.replace(".yaml", ".lock"))).read()
            for what in ("push", "pull"):
                tool_times, flow_times = [], []
                for r in range(args.repeat):
                    url = f"{server}/{base}/{name}-{what}-{r}"
                    raw = f"{base}/{name}-{what}-raw-{r}"
                    if what == "push":
                        run(flow, "remote", "add", f"r{r}", url, cwd=source)
                        flow_times.append(timed(flow, "push", "--remote", f"r{r}", cwd=source))
                        run("xrdfs", server, "mkdir", "-p", raw)
                        tool_times.append(timed("xrdcp", "--silent", "--recursive", "--parallel", "4",
                                                os.path.join(source, ".flow", "objects"), os.path.join(source, ".flow", "steps"),
                                                f"{server}/{raw}/"))
                    else:
                        run(flow, "remote", "add", "origin", url, cwd=source)
                        run(flow, "push", "--remote", "origin", cwd=source)
                        clone = workspace(directory, f"{name}-clone-{r}", {file: text, file.replace(".yaml", ".lock"): lock})
                        run(flow, "remote", "add", "origin", url, cwd=clone)
                        flow_times.append(timed(flow, "pull", cwd=clone))
                        target = os.path.join(directory, f"{name}-raw-{r}")
                        os.makedirs(target)
                        tool_times.append(timed("xrdcp", "--silent", "--recursive", "--parallel", "4", f"{url}/objects", target + "/"))
                        shutil.rmtree(clone, ignore_errors=True)
                    remove_tree(server, f"{base}/{name}-{what}-{r}")
                    remove_tree(server, raw)
                t, f = statistics.median(tool_times), statistics.median(flow_times)
                print(f"{name:7} {count:7d} {size / 1e6:7.1f} MB {what:5} {fmt(t)} {fmt(f)} {f / t:9.2f}x")

        # The tools' price per call: one xrdcp process per object of the matrix store.
        source = os.path.join(directory, "matrix-source")
        objects = [os.path.join(d, f) for d, _, fs in os.walk(os.path.join(source, ".flow", "objects")) for f in fs][:100]
        start = time.perf_counter()
        for i, path in enumerate(objects):
            run("xrdcp", "--silent", "--path", path, f"{server}/{base}/single/{i}")
        per_call = (time.perf_counter() - start) / len(objects)
        remove_tree(server, f"{base}/single")
        print(f"one xrdcp process per object: {per_call * 1000:.0f} ms each ({len(objects)} objects of the matrix store)")

        # A no-op run of the 200 steps: with the remote, without it, and a fresh clone reading through it.
        url = f"{server}/{base}/noop"
        run(flow, "remote", "add", "bench", url, cwd=source)
        run(flow, "push", "--remote", "bench", cwd=source)
        times = {"--no-remote": [], "--remote": []}
        for r in range(max(args.repeat, 9)):
            for flag in times:
                extra = ["--remote", "bench"] if flag == "--remote" else ["--no-remote"]
                times[flag].append(timed(flow, "run", "w.yaml", *extra, cwd=source))
        local, remote = statistics.median(times["--no-remote"]), statistics.median(times["--remote"])
        print(f"200-step no-op run: --no-remote {local * 1000:.0f} ms, --remote {remote * 1000:.0f} ms ({remote / local:.2f}x)")
        fresh = []
        for r in range(args.repeat):
            clone = workspace(directory, f"fresh-{r}", {"w.yaml": matrix_workflow(200), "w.lock": open(os.path.join(source, "w.lock")).read()})
            run(flow, "remote", "add", "bench", url, cwd=clone)
            fresh.append(timed(flow, "run", "w.yaml", cwd=clone))
            shutil.rmtree(clone, ignore_errors=True)
        print(f"200 steps read through the remote by a fresh clone (flow run --remote): {statistics.median(fresh):.2f} s")
        remove_tree(server, url[len(server):])
    finally:
        remove_tree(server, base)
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
