#!/usr/bin/env python3
"""Side-by-side benchmark of the whole refit: `refit run` (Go) against the Python pipeline.

    python3 bench/refit_compare.py                         # 10,000 and 100,000 stores
    python3 bench/refit_compare.py --sizes 10000,100000,250000,1000000 --time-limit 1800
    python3 bench/refit_compare.py --sizes 2000 --keep /tmp/refit-bench   # smoke test

One run, same machine, same data: the store table is generated once per size with our
generator (`refit generate --stores N --seed S --out data.parquet --truth truth.csv`), then
  go      `refit run --input data.parquet --out DIR --no-tracking --previous none` (the binary
          is built once with `go build` before anything is timed), config/default.yaml
          (embedded in the binary);
  python  bench/refit_pipeline.py on the same parquet and the same config: pandas, prince
          0.23 FAMD, hdbscan 0.8.44, scikit-learn 1.9.1 (see that file for the stage-by-stage
          correspondence).
Each runs alone, as its own process, one after the other.

Wall time is that of the whole process, from start to exit, as an operator sees it: for
Python it includes the interpreter start and the imports (given separately), for Go the
report with its plots. Our refit writes more than the Python pipeline (a report with three
PNG plots, segment transitions, a checksummed model bundle with drift references; Python
writes the parquet, profiles and the original service's joblib files); that is in Go's time.

Peak RSS: the larger of (a) the kernel's high-water mark (VmHWM in /proc/PID/status) of the
process we started, read every 50 ms until it exits, and (b) the largest sum of the resident
memory of that process and all its descendants (psutil, every 200 ms), which counts the joblib
worker processes hdbscan starts for its core distances. For Python the pipeline's own VmHWM
at exit is printed too.

Quality, from the two final_clustered_stores.parquet files and the generator's truth: the
number of HDBSCAN clusters, the noise share, the adjusted Rand index (ARI) of the final
segments (noise assigned) against the true archetypes, and the ARI between the two refits.

A side past --time-limit seconds is killed and reported as such; sizes above --python-max
skip the Python side. On a shared machine timings are noisy: the load average is printed
before and after each size, with nproc.
"""
import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

import pandas as pd
import psutil
from sklearn.metrics import adjusted_rand_score

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIB = 1 << 20


def vm_hwm(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss(proc):
    total = 0
    for p in [proc] + proc.children(recursive=True):
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def kill_tree(proc):
    for p in proc.children(recursive=True) + [proc]:
        try:
            p.kill()
        except psutil.Error:
            pass


def run_measured(cmd, stdout_path, stderr_path, time_limit):
    """Runs cmd; returns wall seconds, peak RSS bytes (see the module doc) and whether it
    was killed at the time limit."""
    with open(stdout_path, "w") as out, open(stderr_path, "w") as err:
        start = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
        proc = psutil.Process(p.pid)
        hwm = tree = 0
        killed = False
        polls = 0
        while p.poll() is None:
            hwm = max(hwm, vm_hwm(p.pid))
            if polls % 4 == 0:
                try:
                    tree = max(tree, tree_rss(proc))
                except psutil.Error:
                    pass
            if time.perf_counter() - start > time_limit:
                kill_tree(proc)
                killed = True
                p.wait()
                break
            polls += 1
            time.sleep(0.05)
        wall = time.perf_counter() - start
    return {"wall": wall, "peak_rss": max(hwm, tree), "hwm": hwm, "tree": tree, "killed": killed,
            "returncode": p.returncode}


def load():
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def build(tmp):
    binary = os.path.join(tmp, "refit")
    subprocess.run(["go", "build", "-o", binary, "./cmd/refit"], cwd=ROOT, check=True)
    return binary


def generate(binary, n, seed, d):
    data, truth = os.path.join(d, "data.parquet"), os.path.join(d, "truth.csv")
    subprocess.run([binary, "generate", "--stores", str(n), "--seed", str(seed), "--out", data, "--truth", truth],
                   cwd=ROOT, check=True, capture_output=True)
    return data, truth


def run_go(binary, data, d, limit):
    out = os.path.join(d, "go")
    r = run_measured([binary, "run", "--input", data, "--out", out, "--no-tracking", "--previous", "none",
                      "--log-format", "text"], os.path.join(d, "go.stdout"), os.path.join(d, "go.stderr"), limit)
    r["out"] = out
    if not r["killed"] and r["returncode"] == 0:
        with open(os.path.join(out, "metrics.json")) as f:
            m = json.load(f)
        r["metrics"] = m["metrics"]
        r["stages"] = {s["stage"]: s["took"] / 1e9 for s in m["stages"]}
    return r


def run_python(data, d, limit):
    out = os.path.join(d, "python")
    stdout = os.path.join(d, "python.stdout")
    r = run_measured([sys.executable, os.path.join(ROOT, "bench", "refit_pipeline.py"), "--input", data,
                      "--out", out], stdout, os.path.join(d, "python.stderr"), limit)
    r["out"] = out
    if not r["killed"] and r["returncode"] == 0:
        with open(stdout) as f:
            j = json.loads(f.read().strip().splitlines()[-1])
        r["metrics"], r["stages"], r["self_hwm"] = j["metrics"], j["stages"], j["peak_rss_bytes"]
        r["imports"] = j["import_seconds"]
    return r


def quality(truth_path, runs):
    truth = pd.read_csv(truth_path)
    parts = {}
    for name, r in runs.items():
        if "metrics" not in r:
            continue
        df = pd.read_parquet(os.path.join(r["out"], "final_clustered_stores.parquet"),
                             columns=["store_id", "cluster", "segment_id"])
        m = truth.merge(df, on="store_id", how="inner", validate="one_to_one")
        if len(m) != len(truth):
            raise SystemExit(f"{name}: {len(m)} of {len(truth)} stores in its parquet")
        parts[name] = m.set_index("store_id")
        r["clusters"] = int(m.cluster[m.cluster >= 0].nunique())
        r["noise"] = float((m.cluster < 0).mean())
        r["ari_truth"] = adjusted_rand_score(m.archetype, m.segment_id)
    if len(parts) == 2:
        a, b = parts["go"], parts["python"].loc[parts["go"].index]
        return adjusted_rand_score(a.segment_id, b.segment_id)
    return None


def fmt_side(r, key, f):
    if r is None:
        return "skipped"
    if r.get("killed"):
        return "killed"
    if r.get("returncode"):
        return "failed"
    v = r.get(key)
    return "-" if v is None else f(v)


def print_tables(results, args):
    print(f"\n## Whole refit, Go vs Python (nproc {os.cpu_count()}, {platform.processor() or platform.machine()})\n")
    print("| stores | Go wall s | Python wall s (imports) | Go faster by | Go peak RSS MiB | Python peak RSS MiB "
          "| Python/Go memory | clusters Go / Py | noise Go / Py | ARI vs truth Go / Py | ARI Go vs Py | load before → after |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n, go, py, ari, loads in results:
        ok = all(r is not None and not r.get("killed") and not r.get("returncode") for r in (go, py))
        secs, mib, share = (lambda v: f"{v:.2f}"), (lambda v: f"{v / MIB:.0f}"), (lambda v: f"{v:.3f}")
        pyw = fmt_side(py, "wall", secs)
        if ok:
            pyw += f" ({py['imports']:.1f})"
        elif py is not None and py.get("killed"):
            pyw = f"> {args.time_limit:.0f} (killed)"
        cells = [f"{n:,}", fmt_side(go, "wall", secs), pyw,
                 f"{py['wall'] / go['wall']:.1f}×" if ok else "-",
                 fmt_side(go, "peak_rss", mib), fmt_side(py, "peak_rss", mib),
                 f"{py['peak_rss'] / go['peak_rss']:.2f}" if ok else "-",
                 f"{fmt_side(go, 'clusters', str)} / {fmt_side(py, 'clusters', str)}",
                 f"{fmt_side(go, 'noise', share)} / {fmt_side(py, 'noise', share)}",
                 f"{fmt_side(go, 'ari_truth', share)} / {fmt_side(py, 'ari_truth', share)}",
                 "-" if ari is None else f"{ari:.3f}", loads]
        print("| " + " | ".join(cells) + " |")
    stages = ["read", "preprocess", "famd", "hdbscan", "forest", "segments", "metrics", "bundle", "write"]
    print("\n## Seconds per stage (inside each process; Go's read and artifact writing are outside its stages)\n")
    print("| stores | side | " + " | ".join(stages) + " |")
    print("|---|---|" + "---|" * len(stages))
    for n, go, py, _, _ in results:
        for name, r in (("go", go), ("python", py)):
            if r and "stages" in r:
                cells = [f"{r['stages'][s]:.3f}" if s in r["stages"] else "-" for s in stages]
                print(f"| {n:,} | {name} | " + " | ".join(cells) + " |")
    print("\n## Peak memory detail, MiB (main process VmHWM / largest process-tree RSS sum seen)\n")
    print("| stores | go | python | python's own VmHWM at exit |")
    print("|---|---|---|---|")
    for n, go, py, _, _ in results:
        detail = [f"{r['hwm'] / MIB:.0f} / {r['tree'] / MIB:.0f}" if r else "skipped" for r in (go, py)]
        own = f"{py['self_hwm'] / MIB:.0f}" if py and "self_hwm" in py else "-"
        print(f"| {n:,} | {detail[0]} | {detail[1]} | {own} |")
    print("\n## Quality metrics reported by each side\n")
    print("| stores | side | DBCV | relative validity | silhouette (stores) | OOB accuracy |")
    print("|---|---|---|---|---|---|")
    for n, go, py, _, _ in results:
        for name, r in (("go", go), ("python", py)):
            if r and "metrics" in r:
                m = r["metrics"]
                dbcv = "-" if m.get("dbcv") is None else f"{m['dbcv']:.3f}"
                print(f"| {n:,} | {name} | {dbcv} | {m['relative_validity']:.3f} | {m['silhouette']:.3f} "
                      f"({m['silhouette_stores']:,}) | {m['oob_accuracy']:.4f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000", help="comma-separated store counts")
    ap.add_argument("--seed", type=int, default=1, help="generator seed")
    ap.add_argument("--time-limit", type=float, default=1800, help="seconds before a side is killed")
    ap.add_argument("--python-max", type=int, default=1_000_000, help="skip the Python side above this size")
    ap.add_argument("--keep", help="keep data and outputs in this directory (default: a temporary one)")
    ap.add_argument("--refit-binary", help="use this refit binary instead of building ./cmd/refit")
    args = ap.parse_args()
    tmp = args.keep or tempfile.mkdtemp(prefix="refit-compare-")
    os.makedirs(tmp, exist_ok=True)
    print(f"nproc {os.cpu_count()}; Python {platform.python_version()}; "
          f"{subprocess.run(['go', 'version'], capture_output=True, text=True).stdout.strip()}; load {load()}")
    binary = os.path.abspath(args.refit_binary) if args.refit_binary else build(tmp)
    results = []
    try:
        for n in [int(s) for s in args.sizes.split(",")]:
            d = os.path.join(tmp, str(n))
            os.makedirs(d, exist_ok=True)
            data, truth = generate(binary, n, args.seed, d)
            before = load()
            print(f"{n:,} stores: go ...", flush=True)
            go = run_go(binary, data, d, args.time_limit)
            py = None
            if n <= args.python_max:
                print(f"{n:,} stores: python ...", flush=True)
                py = run_python(data, d, args.time_limit)
            for name, r in (("go", go), ("python", py)):
                if r and r.get("returncode") and not r.get("killed"):
                    print(f"{name} failed at {n} stores; see {d}/{name}.stderr", file=sys.stderr)
            ari = quality(truth, {k: v for k, v in (("go", go), ("python", py)) if v})
            results.append((n, go, py, ari, f"{before} → {load()}"))
            py_wall = "skipped" if py is None else f"{py['wall']:.2f} s"
            print(f"{n:,} stores: go {go['wall']:.2f} s, python {py_wall}", flush=True)
    finally:
        if results:
            print_tables(results, args)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
