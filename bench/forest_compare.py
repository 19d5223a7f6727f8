"""Statistical parity and speed of storeseg's random forest (model/forest) against scikit-learn.

Usage (from the repository root; builds bench/forestbench with `go build`):
    python3 bench/forest_compare.py            # full run: parity + 100,000 x 10 timing
    python3 bench/forest_compare.py --quick    # smoke test: fewer seeds, 10,000-row timing

Reference stack (bench/requirements.txt): scikit-learn 1.9.1, numpy 2.4.6, psutil 7.2.2,
Python 3.11; the versions actually used are printed with the results.

1. Parity. The same data, splits and parameters (scikit-learn's RandomForestClassifier
   defaults: 100 trees, sqrt features, bootstrap, Gini, fully grown) go to both
   implementations: store-like data (Gaussian blobs in 10 dims with decreasing component
   variances and uneven class sizes, like FAMD coordinates of stores in 10 segments) and
   scikit-learn's iris, wine, breast_cancer and digits, each over several seeds (seed s
   draws the stratified 70/30 split and seeds both forests). The trees are not identical
   (different random number generators), so the check is statistical: the mean test
   accuracy and the mean OOB accuracy over the seeds must each be within 1 percentage point
   of scikit-learn's.
2. Speed, in one run on the same data: training 100 trees on 100,000 x 10 store-like rows
   with 10 classes (scikit-learn with n_jobs = our workers = 2; target: ours at least 2x
   faster), batch prediction of 20,000 rows, and single-row predict_proba latency (ours
   cycles through the test rows; target < 5 us and 0 allocations for the stream model).
   Each side runs in its own process, which reports its peak RSS (VmHWM). Single-row
   latency is also measured on a forest trained like the refit's noise classifier:
   10,000 well-separated store-like core points.
Timings on a shared machine are noisy; the load average is printed before and after, and
the fit is also reported in CPU seconds (user + system over all threads), which a busy
machine distorts much less than wall time.
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
import sklearn
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOLERANCE_PP = 1.0


def store_like(n, seed, noise=1.2, d=10, k=10):
    """FAMD-like coordinates of stores in k segments (same distribution as storeLike in
    model/forest/forest_bench_test.go): component variances 3 * 0.75**j, segment centres
    with sd 1.5*sqrt(lambda_j), rows scattered with sd noise*sqrt(lambda_j), uneven sizes."""
    rng = np.random.default_rng(seed)
    sd = np.sqrt(3.0 * 0.75 ** np.arange(d))
    centers = rng.normal(0, 1, (k, d)) * sd * 1.5
    y = rng.choice(k, n, p=rng.dirichlet(np.full(k, 3.0)))
    x = centers[y] + rng.normal(0, 1, (n, d)) * sd * noise
    return x, y


def peak_rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def save(dirname, **arrays):
    for name, a in arrays.items():
        np.save(os.path.join(dirname, name + ".npy"),
                np.ascontiguousarray(a, dtype=np.float64 if name.startswith("x") else np.int64))


def run_ours(binary, dirname, workers, seed=0, oob=False, predict_one=0):
    cmd = [binary, "-x", f"{dirname}/x.npy", "-y", f"{dirname}/y.npy",
           "-xtest", f"{dirname}/xt.npy", "-ytest", f"{dirname}/yt.npy",
           "-workers", str(workers), "-seed", str(seed), "-predict-one", str(predict_one)]
    if oob:
        cmd.append("-oob")
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def run_sklearn_worker(dirname, n_jobs, predict_one):
    cmd = [sys.executable, os.path.abspath(__file__), "--sk-worker", dirname,
           "--workers", str(n_jobs), "--predict-one", str(predict_one)]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def sk_worker(args):
    """Runs in its own process so that its peak RSS is its own."""
    d = args.sk_worker
    x, y = np.load(f"{d}/x.npy"), np.load(f"{d}/y.npy")
    xt, yt = np.load(f"{d}/xt.npy"), np.load(f"{d}/yt.npy")
    rf = RandomForestClassifier(n_jobs=args.workers, random_state=0)
    t, cpu = time.perf_counter(), time.process_time()
    rf.fit(x, y)
    fit, fit_cpu = time.perf_counter() - t, time.process_time() - cpu
    t = time.perf_counter()
    acc = float((rf.predict(xt) == yt).mean())
    batch = time.perf_counter() - t
    one = None
    if args.predict_one:
        rf.predict_proba(xt[:1])
        t = time.perf_counter()
        for i in range(args.predict_one):
            rf.predict_proba(xt[i % len(xt)][None, :])
        one = (time.perf_counter() - t) / args.predict_one * 1e9
    print(json.dumps(dict(fit_seconds=fit, fit_cpu_seconds=fit_cpu, test_accuracy=acc, predict_batch_seconds=batch,
                          predict_one_ns=one, peak_rss_bytes=peak_rss(),
                          nodes=int(sum(e.tree_.node_count for e in rf.estimators_)))))


def datasets(quick):
    seeds_small = 5 if quick else 20
    seeds_big = 3 if quick else 10
    n_store = 4000 if quick else 10000

    def classic(loader):
        return lambda seed: loader(return_X_y=True)

    return [
        ("store-like", seeds_big, lambda seed: store_like(n_store, seed)),
        ("iris", seeds_small, classic(load_iris)),
        ("wine", seeds_small, classic(load_wine)),
        ("breast_cancer", seeds_small, classic(load_breast_cancer)),
        ("digits", seeds_big, classic(load_digits)),
    ]


def parity(binary, workers, quick):
    rows, ok = [], True
    with tempfile.TemporaryDirectory() as tmp:
        for name, n_seeds, make in datasets(quick):
            acc = {"sk": [], "go": []}
            oob = {"sk": [], "go": []}
            for seed in range(n_seeds):
                x, y = make(seed)
                tr, te = train_test_split(np.arange(len(y)), test_size=0.3, random_state=seed, stratify=y)
                rf = RandomForestClassifier(n_jobs=workers, oob_score=True, random_state=seed).fit(x[tr], y[tr])
                acc["sk"].append(rf.score(x[te], y[te]))
                oob["sk"].append(rf.oob_score_)
                save(tmp, x=x[tr], y=y[tr], xt=x[te], yt=y[te])
                r = run_ours(binary, tmp, workers, seed=seed, oob=True)
                acc["go"].append(r["test_accuracy"])
                oob["go"].append(r["oob_score"])
            row = [name, n_seeds, len(y), x.shape[1], len(np.unique(y))]
            for m in (acc, oob):
                sk, go = 100 * np.mean(m["sk"]), 100 * np.mean(m["go"])
                row += [sk, go, go - sk]
                ok &= abs(go - sk) <= TOLERANCE_PP
            rows.append(row)
    print(f"\n## Parity: mean over seeds, percent (tolerance {TOLERANCE_PP} pp)\n")
    print("| data set | seeds | n | d | classes | sklearn test | ours test | diff pp | sklearn OOB | ours OOB | diff pp |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| {} | {} | {} | {} | {} | {:.2f} | {:.2f} | {:+.2f} | {:.2f} | {:.2f} | {:+.2f} |".format(*r))
    print("\nparity:", "PASS" if ok else "FAIL")
    return ok


def timing(binary, workers, n, quick):
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        x, y = store_like(n + 20000, 12345)
        save(tmp, x=x[:n], y=y[:n], xt=x[n:], yt=y[n:])
        sk = run_sklearn_worker(tmp, workers, 200 if quick else 1000)
        go = run_ours(binary, tmp, workers, predict_one=20000)
        # The stream model: the refit's noise classifier on well-separated core points.
        xs, ys = store_like(10000 + 4096, 777, noise=0.6)
        save(tmp, x=xs[:10000], y=ys[:10000], xt=xs[10000:], yt=ys[10000:])
        sk_s = run_sklearn_worker(tmp, workers, 200 if quick else 1000)
        go_s = run_ours(binary, tmp, workers, predict_one=50000)
    mb = 1 << 20
    rows.append((f"fit 100 trees, {n} x 10, 10 classes (s)", sk["fit_seconds"], go["fit_seconds"], True))
    rows.append(("  the same fit in CPU seconds (all threads)", sk["fit_cpu_seconds"], go["fit_cpu_seconds"], True))
    rows.append(("predict 20,000 rows (s)", sk["predict_batch_seconds"], go["predict_batch_seconds"], True))
    rows.append((f"single-row predict_proba, {n}-row forest (us)", sk["predict_one_ns"] / 1e3, go["predict_one_ns"] / 1e3, True))
    rows.append(("single-row predict_proba, stream model (us)", sk_s["predict_one_ns"] / 1e3, go_s["predict_one_ns"] / 1e3, True))
    rows.append(("peak RSS, fit + predict (MiB)", sk["peak_rss_bytes"] / mb, go["peak_rss_bytes"] / mb, True))
    rows.append(("test accuracy (%)", 100 * sk["test_accuracy"], 100 * go["test_accuracy"], False))
    rows.append(("total tree nodes", sk["nodes"], go["nodes"], False))
    rows.append(("stream model: total tree nodes", sk_s["nodes"], go_s["nodes"], False))
    print(f"\n## Speed: {workers} workers (sklearn n_jobs={workers}), nproc {os.cpu_count()}\n")
    print("| measure | sklearn | ours | sklearn / ours |")
    print("|---|---|---|---|")
    for name, s, g, ratio in rows:
        print(f"| {name} | {s:.4g} | {g:.4g} | {f'{s / g:.2f}x' if ratio else '-'} |")
    print(f"\nours: {go['predict_one_allocs']:.2f} allocs per single-row call (stream model: "
          f"{go_s['predict_one_allocs']:.2f})")
    speedup = sk["fit_seconds"] / go["fit_seconds"]
    cpu_ratio = sk["fit_cpu_seconds"] / go["fit_cpu_seconds"]
    print(f"training speed-up {speedup:.2f}x wall, {cpu_ratio:.2f}x CPU (target >= 2x): "
          f"{'PASS' if speedup >= 2 else 'FAIL'}")
    lat = go_s["predict_one_ns"] / 1e3
    zero = go_s["predict_one_allocs"] == 0 and go["predict_one_allocs"] == 0
    print(f"stream single-row latency {lat:.2f} us (target < 5 us, 0 allocs): "
          f"{'PASS' if lat < 5 and zero else 'FAIL'}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="few seeds and a 10,000-row timing")
    ap.add_argument("--workers", type=int, default=2, help="our workers = sklearn n_jobs")
    ap.add_argument("--n-timing", type=int, default=None, help="training rows of the timing run")
    ap.add_argument("--skip-parity", action="store_true")
    ap.add_argument("--skip-timing", action="store_true")
    ap.add_argument("--sk-worker", help=argparse.SUPPRESS)
    ap.add_argument("--predict-one", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.sk_worker:
        return sk_worker(args)
    n = args.n_timing or (10000 if args.quick else 100000)
    print(f"# forest_compare: Python {platform.python_version()}, scikit-learn {sklearn.__version__}, "
          f"numpy {np.__version__}; nproc {os.cpu_count()}; load average {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        binary = os.path.join(tmp, "forestbench")
        subprocess.run(["go", "build", "-o", binary, "./bench/forestbench"], cwd=ROOT, check=True)
        ok = True
        if not args.skip_parity:
            ok = parity(binary, args.workers, args.quick)
        if not args.skip_timing:
            timing(binary, args.workers, n, args.quick)
    print(f"\nload average at the end {os.getloadavg()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
