#!/usr/bin/env python3
"""Check that every metric the dashboards and Prometheus rules use exists.

A name passes when it is
  * defined in stream/metrics.go (read from the Go source: Namespace/Subsystem/Name of each
    prometheus.New* call, and the NewDesc names of the Kafka reader collector), histograms
    with their _bucket/_sum/_count series;
  * a recording rule of deploy/prometheus/rules/*.yml;
  * a standard metric of client_golang's Go and process collectors (cmd/consumer registers
    both), a series Prometheus makes itself (up, ALERTS, scrape_*), or a blackbox exporter
    probe metric (the /readyz probe).
Label names are checked too: every label in a selector on a storeseg metric, and every label
in a by/without/on/ignoring clause, must be a label of some metric of that expression, a
target label (job, instance) or le of a histogram.

Usage: check_metrics.py [--repo DIR] [--list]   (--list prints the metrics found and exits)
Exit status 1 with one line per problem. Needs Python 3.9+ and PyYAML.
"""

import argparse
import json
import pathlib
import re
import sys

import yaml

# client_golang v1.25 collectors.NewGoCollector() (default: memstats-compatible metrics) and
# collectors.NewProcessCollector() on Linux; deploy/check live confirms the ones used exist.
GO_PROCESS = {
    "go_goroutines", "go_threads", "go_info", "go_gc_duration_seconds", "go_gc_gogc_percent",
    "go_gc_gomemlimit_bytes", "go_sched_gomaxprocs_threads",
    "go_memstats_alloc_bytes", "go_memstats_alloc_bytes_total", "go_memstats_sys_bytes",
    "go_memstats_mallocs_total", "go_memstats_frees_total", "go_memstats_heap_alloc_bytes",
    "go_memstats_heap_sys_bytes", "go_memstats_heap_idle_bytes", "go_memstats_heap_inuse_bytes",
    "go_memstats_heap_released_bytes", "go_memstats_heap_objects", "go_memstats_stack_inuse_bytes",
    "go_memstats_stack_sys_bytes", "go_memstats_mspan_inuse_bytes", "go_memstats_mspan_sys_bytes",
    "go_memstats_mcache_inuse_bytes", "go_memstats_mcache_sys_bytes", "go_memstats_buck_hash_sys_bytes",
    "go_memstats_gc_sys_bytes", "go_memstats_other_sys_bytes", "go_memstats_next_gc_bytes",
    "go_memstats_last_gc_time_seconds",
    "process_cpu_seconds_total", "process_open_fds", "process_max_fds", "process_virtual_memory_bytes",
    "process_virtual_memory_max_bytes", "process_resident_memory_bytes", "process_start_time_seconds",
    "process_network_receive_bytes_total", "process_network_transmit_bytes_total",
}
PROMETHEUS = {"up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds", "scrape_samples_scraped",
              "scrape_samples_post_metric_relabeling", "scrape_series_added"}
BLACKBOX = {"probe_success", "probe_duration_seconds", "probe_http_status_code", "probe_http_duration_seconds"}
TARGET_LABELS = {"job", "instance"}

KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "and", "or",
            "unless", "inf", "nan", "atan2"}


def go_call_body(src, start):
    """Return the text of the call whose '(' is at src[start], up to its matching ')'."""
    depth, i = 0, start
    while i < len(src):
        c = src[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return src[start:i + 1]
        elif c == '"':
            i = src.index('"', i + 1)
            while src[i - 1] == "\\":
                i = src.index('"', i + 1)
        i += 1
    raise ValueError("unbalanced call")


def go_metrics(path):
    """Parse stream/metrics.go: name -> {"type", "labels"}."""
    src = path.read_text()
    ns = re.search(r'const namespace = "([a-z_]+)"', src)
    if not ns:
        raise SystemExit(f"{path}: no `const namespace = \"...\"`")
    ns = ns.group(1)
    out = {}
    for m in re.finditer(r"prometheus\.New(CounterVec|Counter|GaugeVec|GaugeFunc|Gauge|HistogramVec|Histogram|SummaryVec|Summary)\(", src):
        body = go_call_body(src, m.end() - 1)
        sub = re.search(r'Subsystem:\s*"([a-z_]+)"', body)
        name = re.search(r'Name:\s*"([a-z_]+)"', body)
        if not name:
            continue
        full = "_".join(p for p in (ns, sub.group(1) if sub else "", name.group(1)) if p)
        labels = re.search(r"\[\]string\{([^}]*)\}", body)
        kind = m.group(1).replace("Vec", "").replace("Func", "").lower()
        out[full] = {"type": kind, "labels": sorted(re.findall(r'"([a-z_]+)"', labels.group(1))) if labels else []}
    for m in re.finditer(r'prometheus\.NewDesc\(namespace\+"(_[a-z_]+)",[^,]*,\s*(nil|\[\]string\{[^}]*\})', src):
        labels = re.findall(r'"([a-z_]+)"', m.group(2))
        out[ns + m.group(1)] = {"type": "collector", "labels": labels}
    if not out:
        raise SystemExit(f"{path}: found no metric definitions")
    return out


def strip_expr(expr):
    """Return (selectors, grouping_labels, bare_names) of a PromQL expression."""
    e = re.sub(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`', '""', expr)
    groups = []
    for m in re.finditer(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)", e):
        groups += [g.strip() for g in m.group(2).split(",") if g.strip()]
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)                     # ranges, subqueries, $__rate_interval
    e = re.sub(r"\boffset\s+-?[0-9a-z$_]+", " ", e)
    selectors = []
    for m in re.finditer(r"([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^}]*)\}", expr_without_strings_keep_matchers(expr)):
        selectors.append((m.group(1), [lm.strip() for lm in re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", m.group(2))]))
    e = re.sub(r"\{[^}]*\}", " ", e)
    e = re.sub(r"\$[a-zA-Z_]+", " ", e)                    # Grafana variables
    e = re.sub(r"(?<![a-zA-Z0-9_:])\d+(\.\d+)?([eE][-+]?\d+)?", " ", e)
    names = []
    for m in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", e):
        word = m.group(0)
        rest = e[m.end():].lstrip()
        if rest.startswith("(") or word in KEYWORDS:
            continue
        names.append(word)
    return selectors, groups, names


def expr_without_strings_keep_matchers(expr):
    """Blank out quoted strings outside braces' matcher values without changing brace structure."""
    return re.sub(r'"(?:\\.|[^"\\])*"', '""', expr)


def exprs_from_rules(rules_dir):
    out, recorded = [], set()
    for f in sorted(rules_dir.glob("*.yml")):
        doc = yaml.safe_load(f.read_text())
        for g in doc.get("groups", []):
            for r in g.get("rules", []):
                name = r.get("record") or r.get("alert")
                if "record" in r:
                    recorded.add(r["record"])
                out.append((f"{f.name}: {name}", r["expr"]))
    return out, recorded


def exprs_from_dashboards(dash_dir):
    out = []
    for f in sorted(dash_dir.glob("*.json")):
        d = json.loads(f.read_text())
        for p in d.get("panels", []):
            for t in p.get("targets", []):
                if "expr" in t:
                    out.append((f"{f.name}: panel {p.get('id')} {p.get('title')!r} {t.get('refId')}", t["expr"]))
        for a in d.get("annotations", {}).get("list", []):
            if "expr" in a:
                out.append((f"{f.name}: annotation {a['name']!r}", a["expr"]))
        for v in d.get("templating", {}).get("list", []):
            q = v.get("query")
            q = q.get("query") if isinstance(q, dict) else q
            m = re.match(r"\s*label_values\((.*),\s*([a-zA-Z_]+)\s*\)\s*$", q or "")
            if m:
                out.append((f"{f.name}: variable ${v['name']}", m.group(1)))
    return out


def resolve(name, defs, recorded):
    """Return (kind, labels) of a metric name, or None."""
    if name in recorded:
        return "recording", None
    if name in defs:
        return defs[name]["type"], set(defs[name]["labels"])
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[: -len(suffix)] if name.endswith(suffix) else None
        if base and defs.get(base, {}).get("type") == "histogram":
            return "histogram", set(defs[base]["labels"]) | ({"le"} if suffix == "_bucket" else set())
    if name in GO_PROCESS:
        return "standard", None
    if name in PROMETHEUS:
        return "prometheus", None
    if name in BLACKBOX:
        return "blackbox", None
    return None


def check(repo):
    defs = go_metrics(repo / "stream/metrics.go")
    rule_exprs, recorded = exprs_from_rules(repo / "deploy/prometheus/rules")
    dash_exprs = exprs_from_dashboards(repo / "deploy/grafana/dashboards")
    problems, used = [], set()
    for where, expr in rule_exprs + dash_exprs:
        selectors, groups, names = strip_expr(expr)
        known_labels = set(TARGET_LABELS)
        open_labels = False
        for n in names:
            r = resolve(n, defs, recorded)
            if r is None:
                problems.append(f"{where}: unknown metric {n!r}")
                continue
            used.add(n)
            if r[1] is None:
                open_labels = True  # recording rules and external metrics: labels not tracked
            else:
                known_labels |= r[1]
        for metric, matchers in selectors:
            r = resolve(metric, defs, recorded) if metric else None
            if r is None or r[1] is None:
                continue
            for lab in matchers:
                if lab not in r[1] | TARGET_LABELS:
                    problems.append(f"{where}: {metric} has no label {lab!r} (labels: {sorted(r[1] | TARGET_LABELS)})")
        if not open_labels:
            for lab in groups:
                if lab not in known_labels | {"le"}:
                    problems.append(f"{where}: grouping label {lab!r} is not a label of any metric in the expression")
    return defs, sorted(used), problems


def main():
    ap = argparse.ArgumentParser(description="check metric names used by dashboards and rules")
    ap.add_argument("--repo", default=str(pathlib.Path(__file__).resolve().parents[2]))
    ap.add_argument("--list", action="store_true", help="print the metrics used, one a line, and exit")
    args = ap.parse_args()
    defs, used, problems = check(pathlib.Path(args.repo))
    if args.list:
        print("\n".join(used))
        return 0
    for p in problems:
        print("check_metrics:", p, file=sys.stderr)
    if problems:
        return 1
    print(f"check_metrics: ok: {len(used)} metric names used by the dashboards and rules, "
          f"all defined ({len(defs)} in stream/metrics.go)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
