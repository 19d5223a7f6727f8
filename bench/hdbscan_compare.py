#!/usr/bin/env python3
"""Side-by-side HDBSCAN benchmark: model/hdbscan (Go) against the Python implementations.

One run clusters the same data with every implementation and prints a Markdown table of wall
time, CPU time, peak resident memory, the wall-time ratio to Go, the number of clusters and
the adjusted Rand index against hdbscan's exact tree (approx_min_span_tree=False).

    python3 bench/hdbscan_compare.py                      # 10k/100k/250k points, 5 and 10 dims
    python3 bench/hdbscan_compare.py --sizes 10000 --dims 5 --threads 2

Data: store-archetype-like mixtures generated here deterministically (seed 7): anisotropic
Gaussian blobs whose spreads differ fivefold, a curved arc and an elongated stick, plus 4%
uniform background noise.

Timing: wall time of the fit only, and the CPU time (user+system, all threads) the process
spent in it; the CPU column does not count joblib worker processes (hdbscan's core distances
above 16384 points), so it understates hdbscan there. On a shared machine wall times depend
on the load; the CPU column is the steadier one.

Implementations, each in its own process. Peak RSS is the whole process's, read from VmHWM
in /proc/self/status by the process itself (wait4's ru_maxrss would include the forking
Python parent), so the Python rows include the interpreter and its imports (~200 MiB).
  go            bench/hdbscanbench (built here) with --threads workers
  hdbscan       hdbscan 0.8.44 defaults (approximate Boruvka), core_dist_n_jobs=--threads
  hdbscan-exact hdbscan 0.8.44 with approx_min_span_tree=False
  fast_hdbscan  fast_hdbscan 0.3.4 with numba limited to --threads threads; its JIT
                compilation is done on a small warm-up fit first and not timed
  sklearn       sklearn.cluster.HDBSCAN(min_samples=min_samples+1): the same core distance
                (sklearn counts the point itself); its O(n^2) Prim's tree is skipped where
                the time measured at a smaller size predicts more than --sklearn-limit s

Requires the pinned stack of bench/requirements.txt and Go on PATH. ARI below 1 against
hdbscan-exact is expected for every exact method: tied mutual reachability edges are ordered
differently (see model/hdbscan's documentation); the Go labels equal hdbscan's Prim's tree
with a stable edge sort exactly (model/hdbscan golden tests).
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

RUNNER = r"""
import json, os, sys, time, warnings
warnings.filterwarnings("ignore")
import numpy as np
impl, path, mcs, ms, threads, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
x = np.load(path)
if impl == "fast_hdbscan":
    import numba
    numba.set_num_threads(threads)
    import fast_hdbscan
    fast_hdbscan.HDBSCAN(min_cluster_size=mcs, min_samples=ms).fit(x[:2000])  # JIT warm-up
    make = lambda: fast_hdbscan.HDBSCAN(min_cluster_size=mcs, min_samples=ms)
elif impl == "sklearn":
    from sklearn.cluster import HDBSCAN
    make = lambda: HDBSCAN(min_cluster_size=mcs, min_samples=ms + 1, n_jobs=threads)
else:
    import hdbscan
    kw = {"approx_min_span_tree": False} if impl == "hdbscan-exact" else {}
    make = lambda: hdbscan.HDBSCAN(min_cluster_size=mcs, min_samples=ms, core_dist_n_jobs=threads, **kw)
c = make()
t, cpu = time.perf_counter(), time.process_time()
c.fit(x)
secs, cpu = time.perf_counter() - t, time.process_time() - cpu
np.save(out, np.asarray(c.labels_, dtype=np.int64))
peak = 0.0
try:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            peak = int(line.split()[1]) / 1024.0
except OSError:
    pass
print(json.dumps({"seconds": secs, "cpu_seconds": cpu, "peak_rss_mib": peak}))
"""


def archetypes(n, d, seed=7):
    rng = np.random.default_rng([seed, n, d])
    n_noise, n_arc, n_stick = n * 4 // 100, n // 8, n // 10
    n_blobs = n - n_noise - n_arc - n_stick
    k = 8
    sizes = rng.multinomial(n_blobs, rng.dirichlet(np.full(k, 3.0)))
    parts = []
    for m in sizes:
        c = rng.uniform(-12, 12, d)
        a = rng.normal(size=(d, d)) * rng.uniform(0.2, 1.0)
        parts.append(c + rng.normal(size=(m, d)) @ a)
    t = rng.uniform(0, np.pi, n_arc)
    arc = rng.normal(scale=0.3, size=(n_arc, d))
    arc[:, 0] += 8 * np.cos(t)
    arc[:, 1] += 8 * np.sin(t) - 14
    parts.append(arc)
    u = rng.normal(size=d)
    u /= np.linalg.norm(u)
    s = rng.uniform(-10, 10, n_stick)
    parts.append(rng.uniform(-6, 6, d) + s[:, None] * u + rng.normal(scale=0.25, size=(n_stick, d)))
    x = np.vstack(parts)
    x = np.vstack([x, rng.uniform(x.min(0), x.max(0), size=(n_noise, d))])
    return np.ascontiguousarray(x[rng.permutation(len(x))])


def run_child(cmd, env, timeout):
    """Runs cmd, returns (stdout, peak RSS in MiB) or raises TimeoutError."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    deadline = time.time() + timeout
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.time() > deadline:
            proc.kill()
            os.wait4(proc.pid, 0)
            raise TimeoutError
        time.sleep(0.05)
    out, err = proc.stdout.read(), proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{cmd[0]} failed: {err.strip()[-2000:]}")
    return out, ru.ru_maxrss / 1024.0


def build_go(tmp):
    exe = os.path.join(tmp, "hdbscanbench")
    subprocess.run(["go", "build", "-o", exe, "./bench/hdbscanbench"], cwd=ROOT, check=True)
    return exe


def ari(a, b):
    from sklearn.metrics import adjusted_rand_score
    return adjusted_rand_score(a, b)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000, 250000])
    ap.add_argument("--dims", type=int, nargs="+", default=[5, 10])
    ap.add_argument("--min-cluster-size", type=int, default=50)
    ap.add_argument("--min-samples", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2, help="threads/workers given to every implementation")
    ap.add_argument("--impls", nargs="+",
                    default=["go", "hdbscan", "hdbscan-exact", "fast_hdbscan", "sklearn"])
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per fit")
    ap.add_argument("--sklearn-limit", type=float, default=600,
                    help="skip sklearn where its predicted time exceeds this many seconds")
    args = ap.parse_args()

    env = dict(os.environ, NUMBA_NUM_THREADS=str(args.threads), OMP_NUM_THREADS=str(args.threads),
               OPENBLAS_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        exe = build_go(tmp) if "go" in args.impls else None
        sk_rate = {}  # dims -> seconds / n^2 measured so far
        for d in args.dims:
            for n in args.sizes:
                path = os.path.join(tmp, f"x_{n}_{d}.npy")
                np.save(path, archetypes(n, d))
                results, labels = {}, {}
                for impl in args.impls:
                    out_labels = os.path.join(tmp, f"labels_{impl}_{n}_{d}.npy")
                    if impl == "sklearn" and d in sk_rate and sk_rate[d] * n * n > args.sklearn_limit:
                        results[impl] = {"note": f"skipped: predicted {sk_rate[d] * n * n:.0f} s > {args.sklearn_limit:.0f} s"}
                        continue
                    if impl == "go":
                        cmd = [exe, "-in", path, "-min-cluster-size", str(args.min_cluster_size),
                               "-min-samples", str(args.min_samples), "-workers", str(args.threads),
                               "-labels", out_labels]
                    else:
                        cmd = [sys.executable, "-c", RUNNER, impl, path, str(args.min_cluster_size),
                               str(args.min_samples), str(args.threads), out_labels]
                    try:
                        out, rss = run_child(cmd, env, args.timeout)
                    except TimeoutError:
                        results[impl] = {"note": f"timeout after {args.timeout:.0f} s"}
                        continue
                    rep = json.loads(out.strip().splitlines()[-1])
                    labels[impl] = np.load(out_labels)
                    rss = rep.get("peak_rss_mib") or rss
                    results[impl] = {"seconds": rep["seconds"], "cpu": rep.get("cpu_seconds", float("nan")), "rss": rss,
                                     "clusters": int(labels[impl].max() + 1)}
                    if impl == "sklearn":
                        sk_rate[d] = rep["seconds"] / (n * n)
                    print(f"  n={n} d={d} {impl}: {rep['seconds']:.2f} s, {rss:.0f} MiB", file=sys.stderr, flush=True)
                for impl, r in results.items():
                    if "seconds" in r and "hdbscan-exact" in labels:
                        r["ari"] = ari(labels[impl], labels["hdbscan-exact"])
                rows.append((n, d, results))
    report(rows, args)


def report(rows, args):
    print(f"# HDBSCAN comparison\n")
    print(f"- machine: {platform.processor() or platform.machine()}, nproc={os.cpu_count()}, "
          f"threads per implementation: {args.threads}")
    print(f"- min_cluster_size={args.min_cluster_size}, min_samples={args.min_samples} "
          f"(sklearn: min_samples={args.min_samples + 1})")
    print("- wall s: the fit alone; CPU s: user+system CPU of all threads during the fit; "
          "ratio = implementation wall time / Go wall time; ARI against hdbscan exact "
          "(approx_min_span_tree=False)\n")
    print("| n | d | implementation | wall s | CPU s | peak RSS MiB | ratio to Go | clusters | ARI vs exact |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for n, d, results in rows:
        go = results.get("go", {}).get("seconds")
        for impl, r in results.items():
            if "seconds" not in r:
                print(f"| {n} | {d} | {impl} | – | – | – | – | – | {r['note']} |")
                continue
            ratio = f"{r['seconds'] / go:.1f}×" if go else "–"
            a = f"{r['ari']:.4f}" if "ari" in r else "–"
            print(f"| {n} | {d} | {impl} | {r['seconds']:.2f} | {r['cpu']:.2f} | {r['rss']:.0f} | {ratio} | {r['clusters']} | {a} |")


if __name__ == "__main__":
    main()
