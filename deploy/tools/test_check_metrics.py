#!/usr/bin/env python3
"""Tests of check_metrics.py: it must reject what it exists to catch.

Run: python3 -m unittest discover -s deploy/tools -p 'test_*.py'   (deploy/check runs it)
"""

import json
import pathlib
import tempfile
import textwrap
import unittest

import check_metrics

METRICS_GO = textwrap.dedent('''
    package stream

    const namespace = "storeseg"

    func newMetrics() {
        _ = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "stream",
            Name: "events_failed_total", Help: "Failed (by reason)."}, []string{"reason"})
        _ = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "stream",
            Name: "processing_latency_seconds", Help: "Latency (\\"quoted\\")."})
        _ = prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Subsystem: "stream",
            Name: "events_consumed_total", Help: "Consumed."})
    }

    var readerErrorsDesc = prometheus.NewDesc(namespace+"_kafka_reader_errors_total", "Errors.", nil, nil)
''')


def make_repo(rule_exprs, dash_exprs):
    root = pathlib.Path(tempfile.mkdtemp())
    (root / "stream").mkdir()
    (root / "stream/metrics.go").write_text(METRICS_GO)
    rules = root / "deploy/prometheus/rules"
    rules.mkdir(parents=True)
    (rules / "r.rules.yml").write_text(json.dumps({"groups": [{"name": "g", "rules": [
        {"record": "instance:storeseg_stream_events_consumed:rate5m",
         "expr": "sum by (job, instance) (rate(storeseg_stream_events_consumed_total[5m]))"},
    ] + [{"alert": f"A{i}", "expr": e} for i, e in enumerate(rule_exprs)]}]}))
    dash = root / "deploy/grafana/dashboards"
    dash.mkdir(parents=True)
    (dash / "d.json").write_text(json.dumps({"panels": [
        {"id": i, "title": "t", "targets": [{"refId": "A", "expr": e}]} for i, e in enumerate(dash_exprs)]}))
    return root


class CheckMetricsTest(unittest.TestCase):
    def problems(self, rules=(), dash=()):
        _, _, problems = check_metrics.check(make_repo(list(rules), list(dash)))
        return problems

    def test_valid_expressions_pass(self):
        good = [
            'histogram_quantile(0.99, sum by (job, le) (rate(storeseg_stream_processing_latency_seconds_bucket{job="$job"}[$__rate_interval])))',
            'sum by (reason) (rate(storeseg_stream_events_failed_total{reason!~"score_error|rescore_.+"}[5m])) > 0.5e-3',
            "instance:storeseg_stream_events_consumed:rate5m > 0 and up == 1",
            "rate(storeseg_kafka_reader_errors_total[5m]) > 0 or process_open_fds / process_max_fds > 0.9",
            "storeseg_stream_events_failed_total > 0 unless storeseg_stream_events_failed_total offset 15m",
            'absent(up{job="storeseg-consumer"}) or probe_success == 0',
        ]
        self.assertEqual(self.problems(rules=good, dash=good), [])

    def test_unknown_metric(self):
        got = self.problems(dash=['rate(storeseg_stream_events_consumd_total[5m])'])
        self.assertEqual(len(got), 1, got)
        self.assertIn("unknown metric 'storeseg_stream_events_consumd_total'", got[0])

    def test_histogram_suffix_on_a_counter(self):
        got = self.problems(rules=["storeseg_stream_events_consumed_total_bucket > 0"])
        self.assertIn("unknown metric 'storeseg_stream_events_consumed_total_bucket'", got[0])

    def test_unknown_recording_rule(self):
        got = self.problems(dash=["instance:storeseg_stream_events_consumed:rate1m"])
        self.assertIn("unknown metric 'instance:storeseg_stream_events_consumed:rate1m'", got[0])

    def test_selector_label_that_the_metric_lacks(self):
        got = self.problems(dash=['storeseg_stream_events_failed_total{job="x", reasn="malformed"}'])
        self.assertEqual(len(got), 1, got)
        self.assertIn("has no label 'reasn'", got[0])

    def test_grouping_label_typo(self):
        got = self.problems(rules=["sum by (instance, reasons) (storeseg_stream_events_failed_total)"])
        self.assertEqual(len(got), 1, got)
        self.assertIn("grouping label 'reasons'", got[0])

    def test_le_is_not_a_label_of_sum_series(self):
        got = self.problems(dash=['storeseg_stream_processing_latency_seconds_sum{le="0.1"}'])
        self.assertIn("has no label 'le'", got[0])

    def test_reads_the_real_metrics_file(self):
        repo = pathlib.Path(__file__).resolve().parents[2]
        defs = check_metrics.go_metrics(repo / "stream/metrics.go")
        self.assertEqual(defs["storeseg_stream_assignments_emitted_total"]["labels"], ["segment", "source"])
        self.assertEqual(defs["storeseg_stream_processing_latency_seconds"]["type"], "histogram")
        self.assertIn("storeseg_kafka_reader_errors_total", defs)


if __name__ == "__main__":
    unittest.main()
