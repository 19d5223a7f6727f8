#!/usr/bin/env python3
"""Generate storeseg's Grafana dashboards (deploy/grafana/dashboards/*.json).

The dashboards are code: edit this file, then run

    python3 deploy/grafana/gen_dashboards.py          # rewrite the JSON files
    python3 deploy/grafana/gen_dashboards.py --check  # fail if the JSON files are stale

(deploy/check runs --check). The output is deterministic (sorted keys, fixed ids), so the
committed JSON changes only when this file does. Every metric a query uses must exist in
stream/metrics.go, be a standard Go/process metric or a recording rule of
deploy/prometheus/rules/storeseg.rules.yml; deploy/tools/check_metrics.py verifies it.
docs/deploy.md describes every panel. Needs Python 3.9+ and nothing else.
"""

import argparse
import json
import pathlib
import sys

OUT = pathlib.Path(__file__).resolve().parent / "dashboards"
SCHEMA_VERSION = 39
DS = {"type": "prometheus", "uid": "${datasource}"}
SEL = 'job="$job", instance=~"$instance"'
SCORING_REASONS = "score_error|invalid_assignment|rescore_.+"


def target(expr, legend="", ref="A", instant=False, fmt=None):
    t = {"datasource": DS, "expr": expr, "legendFormat": legend or "__auto", "refId": ref}
    if instant:
        t["instant"], t["range"] = True, False
    else:
        t["range"] = True
    if fmt:
        t["format"] = fmt
    return t


def targets(*pairs):
    """targets((expr, legend), ...) with refIds A, B, ..."""
    return [target(e, l, chr(ord("A") + i)) for i, (e, l) in enumerate(pairs)]


def thresholds(*steps):
    """thresholds(("green", None), ("yellow", 0.1), ...)."""
    return {"mode": "absolute", "steps": [{"color": c, "value": v} for c, v in steps]}


BASE_STEPS = thresholds(("green", None))


def timeseries(title, desc, tgts, unit="short", stack=False, percent=False, bars=False,
               steps=None, threshold_style=None, min_zero=True, legend_calcs=("mean", "max", "lastNotNull")):
    custom = {
        "drawStyle": "bars" if bars else "line",
        "fillOpacity": 60 if bars else (25 if stack else 10),
        "lineWidth": 1,
        "showPoints": "never",
        "spanNulls": False,
        "stacking": {"group": "A", "mode": "percent" if percent else ("normal" if stack else "none")},
        "thresholdsStyle": {"mode": threshold_style or "off"},
    }
    defaults = {"custom": custom, "unit": unit, "thresholds": steps or BASE_STEPS, "color": {"mode": "palette-classic"}}
    if min_zero:
        defaults["min"] = 0
    return {
        "type": "timeseries", "title": title, "description": desc, "datasource": DS, "targets": tgts,
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {
            "legend": {"calcs": list(legend_calcs), "displayMode": "table", "placement": "bottom", "showLegend": True},
            "tooltip": {"mode": "multi", "sort": "desc"},
        },
    }


def stat(title, desc, tgts, unit="short", steps=None, text_mode="auto", color_mode="value", decimals=None):
    defaults = {"unit": unit, "thresholds": steps or BASE_STEPS, "color": {"mode": "thresholds"}}
    if decimals is not None:
        defaults["decimals"] = decimals
    return {
        "type": "stat", "title": title, "description": desc, "datasource": DS, "targets": tgts,
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {
            "colorMode": color_mode, "graphMode": "area" if text_mode != "name" else "none", "justifyMode": "auto",
            "orientation": "auto", "textMode": text_mode, "wideLayout": True, "showPercentChange": False,
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        },
    }


def bargauge(title, desc, tgts, unit="short", steps=None, max_value=None):
    defaults = {"unit": unit, "thresholds": steps or BASE_STEPS, "color": {"mode": "thresholds"}, "min": 0}
    if max_value is not None:
        defaults["max"] = max_value
    return {
        "type": "bargauge", "title": title, "description": desc, "datasource": DS, "targets": tgts,
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {
            "displayMode": "gradient", "orientation": "horizontal", "showUnfilled": True, "valueMode": "color",
            "namePlacement": "left", "sizing": "auto", "minVizHeight": 16, "maxVizHeight": 300,
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        },
    }


def heatmap(title, desc, tgts, unit="s"):
    return {
        "type": "heatmap", "title": title, "description": desc, "datasource": DS, "targets": tgts,
        "fieldConfig": {"defaults": {"custom": {"hideFrom": {"legend": False, "tooltip": False, "viz": False},
                                                "scaleDistribution": {"type": "linear"}}}, "overrides": []},
        "options": {
            "calculate": False, "cellGap": 1, "color": {"mode": "scheme", "scheme": "Oranges", "steps": 64, "exponent": 0.5,
                                                         "fill": "dark-orange", "scale": "exponential", "reverse": False},
            "filterValues": {"le": 1e-9}, "legend": {"show": True}, "rowsFrame": {"layout": "auto"},
            "tooltip": {"mode": "single", "yHistogram": False, "showColorScale": False},
            "yAxis": {"axisPlacement": "left", "unit": unit, "reverse": False},
            "cellValues": {"unit": "short"}, "exemplars": {"color": "rgba(255,0,255,0.7)"},
        },
    }


def state_timeline(title, desc, tgts):
    return {
        "type": "state-timeline", "title": title, "description": desc, "datasource": DS, "targets": tgts,
        "fieldConfig": {"defaults": {"custom": {"fillOpacity": 70, "lineWidth": 0}, "color": {"mode": "palette-classic"},
                                     "thresholds": BASE_STEPS, "mappings": [{"type": "value", "options": {"1": {"text": "serving"}}}]},
                        "overrides": []},
        "options": {"alignValue": "left", "mergeValues": True, "rowHeight": 0.8, "showValue": "never",
                    "legend": {"displayMode": "list", "placement": "bottom", "showLegend": False},
                    "tooltip": {"mode": "single", "sort": "none"}},
    }


def table(title, desc, tgts):
    return {
        "type": "table", "title": title, "description": desc, "datasource": DS, "targets": tgts,
        "fieldConfig": {"defaults": {"custom": {"align": "auto", "cellOptions": {"type": "auto"}}, "thresholds": BASE_STEPS},
                        "overrides": []},
        "options": {"showHeader": True, "cellHeight": "sm", "footer": {"show": False, "reducer": ["sum"], "fields": ""}},
        "transformations": [
            {"id": "labelsToFields", "options": {"mode": "columns"}},
            {"id": "organize", "options": {"excludeByName": {"Time": True, "Value": True, "__name__": True, "alertstate": True},
                                           "renameByName": {}}},
        ],
    }


def piechart(title, desc, tgts):
    return {
        "type": "piechart", "title": title, "description": desc, "datasource": DS, "targets": tgts,
        "fieldConfig": {"defaults": {"color": {"mode": "palette-classic"}, "unit": "short"}, "overrides": []},
        "options": {"pieType": "donut", "displayLabels": ["percent"],
                    "legend": {"displayMode": "table", "placement": "right", "showLegend": True, "values": ["value", "percent"]},
                    "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                    "tooltip": {"mode": "single", "sort": "none"}},
    }


class Layout:
    """Places panels left to right on Grafana's 24-column grid, rows top to bottom."""

    def __init__(self):
        self.panels, self.x, self.y, self.row_h, self.next_id = [], 0, 0, 0, 1

    def row(self, title):
        self._newline()
        self.panels.append({"type": "row", "title": title, "collapsed": False, "id": self._id(),
                            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}, "panels": []})
        self.y += 1

    def add(self, panel, w, h):
        if self.x + w > 24:
            self._newline()
        panel["id"] = self._id()
        panel["gridPos"] = {"h": h, "w": w, "x": self.x, "y": self.y}
        self.panels.append(panel)
        self.x += w
        self.row_h = max(self.row_h, h)

    def _newline(self):
        if self.x:
            self.y += self.row_h
        self.x, self.row_h = 0, 0

    def _id(self):
        self.next_id += 1
        return self.next_id - 1


def templating():
    q = "label_values(storeseg_stream_events_consumed_total, job)"
    qi = 'label_values(storeseg_stream_events_consumed_total{job="$job"}, instance)'
    return {"list": [
        {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
         "current": {"selected": False, "text": "Prometheus", "value": "storeseg-prometheus"},
         "hide": 0, "includeAll": False, "multi": False, "options": [], "refresh": 1, "regex": "", "skipUrlSync": False},
        {"name": "job", "label": "Job", "type": "query", "datasource": DS, "definition": q,
         "query": {"query": q, "refId": "PrometheusVariableQueryEditor-VariableQuery", "qryType": 1},
         "current": {"selected": False, "text": "storeseg-consumer", "value": "storeseg-consumer"},
         "hide": 0, "includeAll": False, "multi": False, "options": [], "refresh": 2, "regex": "", "skipUrlSync": False,
         "sort": 1},
        {"name": "instance", "label": "Instance", "type": "query", "datasource": DS, "definition": qi,
         "query": {"query": qi, "refId": "PrometheusVariableQueryEditor-VariableQuery", "qryType": 1},
         "current": {"selected": True, "text": ["All"], "value": ["$__all"]}, "allValue": ".*",
         "hide": 0, "includeAll": True, "multi": True, "options": [], "refresh": 2, "regex": "", "skipUrlSync": False,
         "sort": 1},
    ]}


def dashboard(uid, title, desc, panels, other_uid, other_title):
    return {
        "uid": uid, "title": title, "description": desc, "tags": ["storeseg"], "editable": True,
        "schemaVersion": SCHEMA_VERSION, "version": 1, "timezone": "browser", "graphTooltip": 1,
        "time": {"from": "now-3h", "to": "now"}, "refresh": "30s", "fiscalYearStartMonth": 0, "liveNow": False,
        "timepicker": {}, "weekStart": "",
        "id": None,
        "annotations": {"list": [
            {"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True, "hide": True,
             "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard"},
            {"datasource": DS, "enable": True, "hide": False, "iconColor": "purple", "name": "Model swaps",
             "expr": f"changes(storeseg_model_swaps_total{{{SEL}}}[2m]) > 0", "step": "60s",
             "titleFormat": "model swapped in", "textFormat": "{{instance}}", "useValueForTime": False},
        ]},
        "links": [
            {"title": other_title, "type": "link", "url": f"/d/{other_uid}", "keepTime": True, "includeVars": True,
             "icon": "dashboard", "asDropdown": False, "targetBlank": False, "tags": [], "tooltip": ""},
            {"title": "Runbooks (docs/deploy.md)", "type": "link", "icon": "doc", "targetBlank": True, "asDropdown": False,
             "includeVars": False, "keepTime": False, "tags": [], "tooltip": "",
             "url": "https://github.com/storeseg/storeseg/blob/main/docs/deploy.md"},
        ],
        "templating": templating(),
        "panels": panels,
    }


def stream_dashboard():
    L = Layout()
    L.row("Overview")
    L.add(stat("Consumed", "Input messages fetched per second (replays included), all selected instances.",
               [target(f"sum(rate(storeseg_stream_events_consumed_total{{{SEL}}}[$__rate_interval]))", "consumed/s")],
               unit="ops"), 4, 4)
    L.add(stat("Emitted", "Segment assignments produced and acknowledged per second.",
               [target(f"sum(rate(storeseg_stream_assignments_emitted_total{{{SEL}}}[$__rate_interval]))", "emitted/s")],
               unit="ops"), 4, 4)
    L.add(stat("Dead-lettered", "Share of consumed messages written to the dead-letter topic over 5 minutes "
               "(recording rule). Alert StoresegHighDeadLetterRate above 5 %.",
               [target(f"max(instance:storeseg_stream_dead_letter_ratio:rate5m{{{SEL}}})", "dead-lettered")],
               unit="percentunit", decimals=2, steps=thresholds(("green", None), ("yellow", 0.01), ("red", 0.05))), 4, 4)
    L.add(stat("p99 latency", "99th percentile of record timestamp → outputs acknowledged over 5 minutes "
               "(recording rule). Alert StoresegProcessingLatencyHigh above 50 ms.",
               [target(f"max(instance:storeseg_stream_processing_latency_seconds:p99_5m{{{SEL}}})", "p99")],
               unit="s", steps=thresholds(("green", None), ("yellow", 0.025), ("red", 0.05))), 4, 4)
    L.add(stat("Lag", "Messages behind the high watermark, summed over partitions.",
               [target(f"sum(storeseg_stream_consumer_lag_messages{{{SEL}}})", "lag")],
               steps=thresholds(("green", None), ("yellow", 1000), ("red", 10000))), 4, 4)
    L.add(stat("Up", "Scrape health of the selected consumer instances (1 = scraped).",
               [target(f"sum(up{{{SEL}}})", "up")], steps=thresholds(("red", None), ("green", 1))), 4, 4)
    L.add(stat("Ready", "Instances consuming with a model serving (storeseg_stream_ready; the /readyz probe "
               "also checks the broker). Fewer than Up: starting, waiting for a model, or stopping.",
               [target(f"sum(storeseg_stream_ready{{{SEL}}})", "ready")], steps=thresholds(("red", None), ("green", 1))), 4, 5)
    L.add(table("Firing alerts", "storeseg alerts currently firing (Prometheus ALERTS series); runbooks in docs/deploy.md.",
                [target('ALERTS{alertname=~"Storeseg.+", alertstate="firing"}', "", instant=True, fmt="table")]), 20, 5)

    L.row("Throughput")
    L.add(timeseries("Events consumed / s", "Input messages fetched per second by instance; 'skipped' are "
                     "replays the state store had already applied; 'states' are merged states appended to the "
                     "store-state changelog.",
                     targets((f"sum by (instance) (rate(storeseg_stream_events_consumed_total{{{SEL}}}[$__rate_interval]))", "consumed {{instance}}"),
                             (f"sum by (instance) (rate(storeseg_stream_events_skipped_total{{{SEL}}}[$__rate_interval]))", "skipped {{instance}}"),
                             (f"sum by (instance) (rate(storeseg_stream_states_emitted_total{{{SEL}}}[$__rate_interval]))", "states {{instance}}")),
                     unit="ops"), 12, 8)
    L.add(timeseries("Assignments emitted / s by source", "Segment assignments produced and acknowledged per "
                     "second, by how the store got its segment: core (clustered by the refit), inferred (noise at "
                     "refit, assigned by the forest), predicted (new or changed since the refit). 'tombstones' are "
                     "store removals propagated to store-segments.",
                     targets((f"sum by (source) (rate(storeseg_stream_assignments_emitted_total{{{SEL}}}[$__rate_interval]))", "{{source}}"),
                             (f"sum(rate(storeseg_stream_tombstones_emitted_total{{{SEL}}}[$__rate_interval]))", "tombstones")),
                     unit="ops", stack=True), 12, 8)

    L.row("Errors")
    L.add(timeseries("Dead letters / s by reason", "Input messages not processed, by dead-letter reason "
                     "(bad framing, unknown schema, invalid values, out-of-range, unseen level, ...), and the "
                     "dead-letter topic's acknowledged writes. Scoring failures are on the model dashboard.",
                     targets((f'sum by (reason) (rate(storeseg_stream_events_failed_total{{{SEL}, reason!~"{SCORING_REASONS}"}}[$__rate_interval]))', "{{reason}}"),
                             (f"sum(rate(storeseg_stream_events_dead_lettered_total{{{SEL}}}[$__rate_interval]))", "written to DLQ")),
                     unit="ops", bars=True), 12, 8)
    L.add(timeseries("Retries / s by operation", "Transient failures retried with backoff (Kafka produce, offset "
                     "commit, state store, registry), and kafka-go reader errors and group rebalances. Sustained "
                     "retries mean no progress (alert StoresegRetrying).",
                     targets((f"sum by (op) (rate(storeseg_stream_retries_total{{{SEL}}}[$__rate_interval]))", "retry {{op}}"),
                             (f"sum(rate(storeseg_kafka_reader_errors_total{{{SEL}}}[$__rate_interval]))", "reader errors"),
                             (f"sum(increase(storeseg_kafka_reader_rebalances_total{{{SEL}}}[$__rate_interval]))", "rebalances")),
                     unit="short"), 12, 8)

    L.row("Latency and batches")
    L.add(timeseries("Processing latency", "Time from an input record's timestamp to the acknowledgement of its "
                     "outputs, quantiles of the histogram over the panel's rate interval. The red line is the "
                     "StoresegProcessingLatencyHigh threshold (p99 > 50 ms for 10 minutes).",
                     targets(*[(f"histogram_quantile({q}, sum by (le) (rate(storeseg_stream_processing_latency_seconds_bucket{{{SEL}}}[$__rate_interval])))", f"p{int(q * 100)}")
                               for q in (0.5, 0.95, 0.99)]),
                     unit="s", steps=thresholds(("green", None), ("red", 0.05)), threshold_style="line"), 12, 8)
    L.add(heatmap("Processing latency distribution", "Records per latency bucket over time.",
                  [target(f"sum by (le) (increase(storeseg_stream_processing_latency_seconds_bucket{{{SEL}}}[$__rate_interval]))", "{{le}}", fmt="heatmap")]), 12, 8)
    L.add(timeseries("Batch size", "Messages per processed batch: mean, and p50/p99 of the histogram "
                     "(bounded by --batch-size).",
                     targets((f"sum(rate(storeseg_stream_batch_size_messages_sum{{{SEL}}}[$__rate_interval])) / sum(rate(storeseg_stream_batch_size_messages_count{{{SEL}}}[$__rate_interval]))", "mean"),
                             (f"histogram_quantile(0.5, sum by (le) (rate(storeseg_stream_batch_size_messages_bucket{{{SEL}}}[$__rate_interval])))", "p50"),
                             (f"histogram_quantile(0.99, sum by (le) (rate(storeseg_stream_batch_size_messages_bucket{{{SEL}}}[$__rate_interval])))", "p99")),
                     unit="short"), 12, 8)
    L.add(timeseries("Batch duration", "Time to process one batch, from decoding to the offset commit (p50, p99).",
                     targets((f"histogram_quantile(0.5, sum by (le) (rate(storeseg_stream_batch_duration_seconds_bucket{{{SEL}}}[$__rate_interval])))", "p50"),
                             (f"histogram_quantile(0.99, sum by (le) (rate(storeseg_stream_batch_duration_seconds_bucket{{{SEL}}}[$__rate_interval])))", "p99")),
                     unit="s"), 12, 8)
    L.add(timeseries("State sync time", "Background fsync of the state store that input offsets wait for "
                     "(--state-sync group, every --state-sync-interval; p50, p99). Slow syncs delay offset commits, "
                     "not processing: look at the state volume's disk when they grow.",
                     targets((f"histogram_quantile(0.5, sum by (le) (rate(storeseg_stream_state_sync_duration_seconds_bucket{{{SEL}}}[$__rate_interval])))", "p50"),
                             (f"histogram_quantile(0.99, sum by (le) (rate(storeseg_stream_state_sync_duration_seconds_bucket{{{SEL}}}[$__rate_interval])))", "p99")),
                     unit="s"), 24, 7)

    L.row("Kafka")
    L.add(timeseries("Consumer lag per partition", "Messages behind each input partition's high watermark at the "
                     "last fetched message. Alerts: StoresegConsumerLagGrowing, StoresegConsumerStalled.",
                     [target(f"max by (partition) (storeseg_stream_consumer_lag_messages{{{SEL}}})", "partition {{partition}}")],
                     unit="short", stack=True), 12, 8)
    L.add(timeseries("Input reader", "kafka-go reader of the input topic: fetch requests and message bytes per "
                     "second, and messages waiting in its queue.",
                     targets((f"sum(rate(storeseg_kafka_reader_fetches_total{{{SEL}}}[$__rate_interval]))", "fetches/s"),
                             (f"sum(rate(storeseg_kafka_reader_bytes_total{{{SEL}}}[$__rate_interval]))", "bytes/s"),
                             (f"sum(storeseg_kafka_reader_queue_messages{{{SEL}}})", "queued messages")),
                     unit="short"), 12, 8)

    L.row("Process")
    L.add(timeseries("CPU", "CPU seconds used per second by each consumer process.",
                     [target(f"rate(process_cpu_seconds_total{{{SEL}}}[$__rate_interval])", "{{instance}}")],
                     unit="percentunit"), 8, 7)
    L.add(timeseries("Memory", "Resident memory of the process and Go heap in use.",
                     targets((f"process_resident_memory_bytes{{{SEL}}}", "rss {{instance}}"),
                             (f"go_memstats_heap_inuse_bytes{{{SEL}}}", "heap in use {{instance}}")),
                     unit="bytes"), 8, 7)
    L.add(timeseries("Goroutines and file descriptors", "Goroutines and open file descriptors (Badger keeps "
                     "files open; the limit is process_max_fds).",
                     targets((f"go_goroutines{{{SEL}}}", "goroutines {{instance}}"),
                             (f"process_open_fds{{{SEL}}}", "open fds {{instance}}")),
                     unit="short"), 8, 7)
    return dashboard("storeseg-stream", "storeseg / stream",
                     "The streaming consumer: throughput, dead letters, latency, batches, Kafka lag and the process.",
                     L.panels, "storeseg-model", "storeseg / model")


def model_dashboard():
    L = Layout()
    L.row("Serving model")
    L.add(stat("Serving model version", "The model version each selected instance serves "
               "(storeseg_model_info == 1). Empty: no model loaded yet (alert StoresegNoModelLoaded).",
               [target(f"max by (version) (storeseg_model_info{{{SEL}}} == 1)", "{{version}}", instant=True)],
               text_mode="name", color_mode="none"), 8, 4)
    L.add(stat("Model swaps", "Bundles swapped in during the selected time range.",
               [target(f"sum(increase(storeseg_model_swaps_total{{{SEL}}}[$__range]))", "swaps", instant=True)],
               decimals=0), 4, 4)
    L.add(stat("Load failures", "Bundles rejected during the selected time range (alert StoresegModelLoadFailures).",
               [target(f"sum(increase(storeseg_model_load_failures_total{{{SEL}}}[$__range]))", "failures", instant=True)],
               decimals=0, steps=thresholds(("green", None), ("red", 0.5))), 4, 4)
    L.add(stat("Rescore time", "Mean time to rescore every known store after the swaps of the selected range, "
               "outputs acknowledged.",
               [target(f"sum(increase(storeseg_model_rescore_duration_seconds_sum{{{SEL}}}[$__range])) / sum(increase(storeseg_model_rescore_duration_seconds_count{{{SEL}}}[$__range]))", "rescore", instant=True)],
               unit="s"), 4, 4)
    L.add(stat("Max drift (PSI)", "Largest population stability index over features now: below 0.1 stable, "
               "0.1-0.25 moderate shift, above 0.25 significant (alert StoresegFeatureDrift after 30 min).",
               [target(f"max(storeseg_drift_psi{{{SEL}}})", "PSI")], decimals=3,
               steps=thresholds(("green", None), ("yellow", 0.1), ("red", 0.25))), 4, 4)
    L.add(state_timeline("Model versions over time", "Which version served when; each change is a swap.",
                         [target(f"max by (version) (storeseg_model_info{{{SEL}}} == 1)", "{{version}}")]), 24, 5)
    L.add(timeseries("Swaps and load failures", "Model swaps, and rejected bundles by reason (corrupt, format, "
                     "inconsistent, invalid, version_mismatch, incompatible_features, drift_reference, record_*).",
                     targets((f"sum(increase(storeseg_model_swaps_total{{{SEL}}}[$__rate_interval]))", "swaps"),
                             (f"sum by (reason) (increase(storeseg_model_load_failures_total{{{SEL}}}[$__rate_interval]))", "rejected: {{reason}}")),
                     unit="short", bars=True), 12, 8)
    L.add(timeseries("Rescore after swaps", "Mean rescore duration per swap and stores rescored, per rate interval.",
                     targets((f"sum(rate(storeseg_model_rescore_duration_seconds_sum{{{SEL}}}[$__rate_interval])) / sum(rate(storeseg_model_rescore_duration_seconds_count{{{SEL}}}[$__rate_interval]))", "mean duration"),
                             (f"sum(increase(storeseg_model_rescored_stores_total{{{SEL}}}[$__rate_interval]))", "stores rescored")),
                     unit="short"), 12, 8)

    L.row("Segments")
    L.add(timeseries("Segment mix of emitted assignments", "Share of emitted assignments per segment id over "
                     "time (stacked to 100 %). A shift here without a model swap is drift in the stores.",
                     [target(f"sum by (segment) (increase(storeseg_stream_assignments_emitted_total{{{SEL}}}[$__rate_interval]))", "segment {{segment}}")],
                     unit="short", stack=True, percent=True), 16, 9)
    L.add(piechart("Segments emitted in range", "Assignments emitted per segment over the selected time range.",
                   [target(f"sum by (segment) (increase(storeseg_stream_assignments_emitted_total{{{SEL}}}[$__range]))", "segment {{segment}}", instant=True)]), 8, 9)
    L.add(timeseries("Assignment sources", "Share of emitted assignments by source: core, inferred, predicted.",
                     [target(f"sum by (source) (increase(storeseg_stream_assignments_emitted_total{{{SEL}}}[$__rate_interval]))", "{{source}}")],
                     unit="short", stack=True, percent=True), 12, 8)
    L.add(timeseries("Scoring errors / s", "Stores the serving model could not score (score_error), outputs the "
                     "schema refused (invalid_assignment), stores a new model cannot score at a swap "
                     "(rescore_<reason>), and emitted assignments whose confidence or outlier score the model "
                     "gave outside [0, 1] (clamped, a model defect). Alert StoresegScoringErrors.",
                     targets((f'sum by (reason) (rate(storeseg_stream_events_failed_total{{{SEL}, reason=~"{SCORING_REASONS}"}}[$__rate_interval]))', "{{reason}}"),
                             (f"sum(rate(storeseg_stream_assignments_clamped_total{{{SEL}}}[$__rate_interval]))", "clamped")),
                     unit="ops", bars=True), 12, 8)

    L.row("Drift")
    psi_steps = thresholds(("green", None), ("yellow", 0.1), ("red", 0.25))
    L.add(timeseries("Drift PSI per feature", "Population stability index of each model feature (and of the "
                     "segment shares, feature=segment) over the last --drift-window scored stores against the "
                     "refit's reference. Lines: 0.1 (moderate) and 0.25 (significant).",
                     [target(f"max by (feature) (storeseg_drift_psi{{{SEL}}})", "{{feature}}")],
                     unit="none", steps=psi_steps, threshold_style="line+area"), 16, 10)
    L.add(bargauge("PSI now", "Current PSI per feature, worst instance.",
                   [target(f"sort_desc(max by (feature) (storeseg_drift_psi{{{SEL}}}))", "{{feature}}", instant=True)],
                   steps=psi_steps, max_value=0.5), 8, 10)
    L.add(timeseries("Novelty rate", "Share of the stores scored from stream updates that fit no cluster of the "
                     "serving model (novelty flag; they still get the forest's segment). A rise means stores "
                     "unlike the refit's: a refit is due.",
                     [target(f"sum(rate(storeseg_stream_stores_novel_total{{{SEL}}}[$__rate_interval])) / "
                             f"sum(rate(storeseg_stream_stores_scored_total{{{SEL}}}[$__rate_interval]))", "novel share")],
                     unit="percentunit"), 24, 7)

    L.row("State store")
    L.add(timeseries("State store size", "On-disk size of the Badger state store: LSM tree and value log.",
                     targets((f"sum by (instance) (storeseg_state_lsm_size_bytes{{{SEL}}})", "LSM {{instance}}"),
                             (f"sum by (instance) (storeseg_state_value_log_size_bytes{{{SEL}}})", "value log {{instance}}")),
                     unit="bytes", stack=True), 24, 8)
    return dashboard("storeseg-model", "storeseg / model",
                     "The serving model: version, swaps and rejections, rescoring, the segment mix, drift and state size.",
                     L.panels, "storeseg-stream", "storeseg / stream")


def render(d):
    return json.dumps(d, indent=2, sort_keys=True) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="fail if the committed JSON differs from the generated one")
    args = ap.parse_args()
    stale = []
    for name, d in (("storeseg-stream.json", stream_dashboard()), ("storeseg-model.json", model_dashboard())):
        path, text = OUT / name, render(d)
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path))
            continue
        OUT.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path}")
    if stale:
        print("stale dashboards (run python3 deploy/grafana/gen_dashboards.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
