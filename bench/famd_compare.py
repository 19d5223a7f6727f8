#!/usr/bin/env python3
"""Side-by-side FAMD benchmark: prince 0.23 (default engine), R FactoMineR::FAMD and
storeseg's Go FAMD (model/famd via bench/famdbench), on the same CSV in one run.

Usage (from anywhere in the checkout):

    python3 bench/famd_compare.py --rows 100000            # generate the data (seeded)
    python3 bench/famd_compare.py --csv stores.csv --num a,b --cat c,d
    python3 bench/famd_compare.py --rows 1000000 --skip r  # leave out a contender

Without --csv it writes <workdir>/famd_<rows>.csv: 10 skewed, partly correlated numeric
columns x0..x9 and 6 categorical columns c0..c5 with 20+15+10+8+4+3 = 60 levels, drawn with
numpy.random.default_rng(--seed). Each contender runs in its own process; the script records
its wall time and peak RSS (GNU /usr/bin/time %M, which includes the contender's children)
and the fit time the contender reports (prince: FAMD.fit; R: FactoMineR::FAMD; Go:
famd.Fit), then prints a Markdown table with ratios against prince and the largest relative
difference of the kept eigenvalues from FactoMineR's.

prince uses its default engine (randomized SVD, n_iter=3; random_state=0 so runs repeat);
its eigenvalues are therefore approximate. Versions: bench/requirements.txt, R FactoMineR 2.7.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LEVELS = [20, 15, 10, 8, 4, 3]
TIME = "/usr/bin/time"  # GNU time, for the peak RSS


def generate(path, rows, seed):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    size = np.exp(rng.standard_normal(rows))
    region = rng.integers(0, LEVELS[0], rows)
    cols = {}
    for j in range(10):
        v = rng.standard_normal(rows)
        if j < 4:
            v = size * (j + 1) + 0.5 * v + 0.1 * (region % 5)
        elif j < 7:
            v = np.exp(0.5 * v) + 0.2 * (region % 3)
        cols[f"x{j}"] = v
    cats = {"c0": region}
    for q, nl in enumerate(LEVELS[1:], start=1):
        lv = rng.integers(0, nl, rows)
        tied = rng.random(rows) < 0.3
        lv[tied] = ((region + (2 * size).astype(int)) % nl)[tied]
        cats[f"c{q}"] = lv
    for q, codes in cats.items():
        cols[q] = np.char.add(f"{q}_", np.char.zfill(codes.astype(str), 2))
    pd.DataFrame(cols).to_csv(path, index=False, float_format="%.10g")
    return [f"x{j}" for j in range(10)], list(cats)


def prince_worker(args):
    """Runs inside the prince contender's process."""
    import pandas as pd
    import prince

    num, cat = args.num.split(","), args.cat.split(",") if args.cat else []
    t0 = time.perf_counter()
    df = pd.read_csv(args.csv, usecols=num + cat, dtype={c: str for c in cat})
    df[num] = df[num].astype(float)
    t1 = time.perf_counter()
    engine = args.prince_engine or "sklearn"
    famd = prince.FAMD(n_components=args.k, categorical_columns=cat, random_state=0, engine=engine)
    famd.fit(df[num + cat])
    t2 = time.perf_counter()
    print(json.dumps({"rows": len(df), "read_seconds": t1 - t0, "seconds": t2 - t1,
                      "eigenvalues": [float(v) for v in famd.eigenvalues_]}))


def measure(name, cmd, workdir):
    """Runs cmd, returning its JSON report plus wall seconds and peak RSS in MiB.

    The peak RSS comes from GNU time (%M), which forks the contender from its own small
    process: measuring a child forked from this Python process with wait4 would count the
    parent's memory, which Linux carries into the child's high-water mark across exec.
    """
    out_path, err_path = os.path.join(workdir, name + ".out"), os.path.join(workdir, name + ".err")
    rss_path = os.path.join(workdir, name + ".rss")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.run([TIME, "-f", "%M", "-o", rss_path] + cmd, stdout=out, stderr=err)
        wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(open(err_path).read())
        raise SystemExit(f"{name} failed with exit code {proc.returncode}: {' '.join(cmd)}")
    rep = json.loads(open(out_path).read().strip().splitlines()[-1])
    rep.update(wall=wall, rss_mib=int(open(rss_path).read().split()[-1]) / 1024)
    return rep


def max_rel(a, b):
    n = min(len(a), len(b))
    return max(abs(a[i] - b[i]) / abs(b[i]) for i in range(n)) if n else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000, help="rows to generate (without --csv)")
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--csv", help="existing CSV instead of generated data")
    ap.add_argument("--num", default="", help="numeric columns (with --csv)")
    ap.add_argument("--cat", default="", help="categorical columns (with --csv)")
    ap.add_argument("--k", type=int, default=5, help="components")
    ap.add_argument("--workers", type=int, default=0, help="Go workers (0: GOMAXPROCS)")
    ap.add_argument("--skip", default="", help="comma-separated contenders to leave out: prince,r,go")
    ap.add_argument("--workdir", help="directory for the CSV, binary and logs (default: a temporary one)")
    ap.add_argument("--prince-exact", action="store_true",
                    help='also run prince with engine="scipy" (exact LAPACK SVD)')
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--prince-engine", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker == "prince":
        return prince_worker(args)

    workdir = args.workdir or tempfile.mkdtemp(prefix="famd_compare_")
    os.makedirs(workdir, exist_ok=True)
    if args.csv:
        csv, num, cat = args.csv, args.num.split(","), [c for c in args.cat.split(",") if c]
    else:
        csv = os.path.join(workdir, f"famd_{args.rows}.csv")
        t = time.perf_counter()
        num, cat = generate(csv, args.rows, args.seed)
        print(f"generated {csv} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    skip = set(filter(None, args.skip.split(",")))
    binary = os.path.join(workdir, "famdbench")
    if "go" not in skip:
        subprocess.run(["go", "build", "-o", binary, "./bench/famdbench"], cwd=ROOT, check=True)

    runs = {}
    common = ["--csv", csv, "--num", ",".join(num), "--cat", ",".join(cat), "--k", str(args.k)]
    contenders = [
        ("prince", [sys.executable, os.path.abspath(__file__), "--worker", "prince"] + common),
        ("r", ["Rscript", os.path.join(HERE, "famd_compare.R"), csv, ",".join(num), ",".join(cat), str(args.k)]),
        ("go", [binary, "-csv", csv, "-num", ",".join(num), "-cat", ",".join(cat), "-k", str(args.k),
                "-workers", str(args.workers)]),
    ]
    if args.prince_exact:
        contenders.insert(1, ("prince-scipy", contenders[0][1] + ["--prince-engine", "scipy"]))
    for name, cmd in contenders:
        if name not in skip:
            print(f"running {name} ...", file=sys.stderr)
            runs[name] = measure(name, cmd, workdir)
    report(runs, csv, num, cat, args)
    if not args.workdir:
        shutil.rmtree(workdir)


def report(runs, csv, num, cat, args):
    rows = next(iter(runs.values()))["rows"] if runs else 0
    print(f"FAMD, {rows} rows x ({len(num)} numeric + {len(cat)} categorical), k = {args.k}, "
          f"nproc = {os.cpu_count()}, data {os.path.basename(csv)}")
    print()
    print("| contender | fit s | read s | wall s | peak RSS MiB | fit speed-up vs prince | wall speed-up vs prince | RSS / prince RSS | eig max rel diff vs FactoMineR |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    base = runs.get("prince")
    label = {"prince": "prince 0.23 (default engine)", "prince-scipy": 'prince 0.23 (engine="scipy")',
             "r": "R FactoMineR 2.7", "go": "Go model/famd"}
    for name, r in runs.items():
        ratio = lambda key: f"{base[key] / r[key]:.1f}x" if base and r[key] > 0 else "-"
        rss = f"{r['rss_mib'] / base['rss_mib']:.2f}" if base else "-"
        eig = f"{max_rel(r['eigenvalues'], runs['r']['eigenvalues']):.1e}" if "r" in runs else "-"
        print(f"| {label[name]} | {r['seconds']:.3f} | {r['read_seconds']:.3f} | {r['wall']:.2f} | "
              f"{r['rss_mib']:.0f} | {ratio('seconds')} | {ratio('wall')} | {rss} | {eig} |")
    print()
    for a in runs:
        for b in runs:
            if a < b:
                print(f"eigenvalues {a} vs {b}: max relative difference "
                      f"{max_rel(runs[a]['eigenvalues'], runs[b]['eigenvalues']):.2e}")
    for name, r in runs.items():
        print(f"{name} eigenvalues: {' '.join(f'{v:.10g}' for v in r['eigenvalues'])}")


if __name__ == "__main__":
    main()
