package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/storeseg/storeseg/model"
)

// progress reports a refit: on a terminal a live line per stage (a spinner with the elapsed
// time while the stage runs, its duration when it ends) and a summary table; otherwise
// structured logs on stderr and the same summary on stdout.
type progress struct {
	w    io.Writer
	live bool
	log  *slog.Logger

	mu      sync.Mutex
	stop    chan struct{}
	stopped chan struct{}
}

func newProgress(stdout io.Writer, format string) *progress {
	live := format == "auto" && isTerminal(stdout)
	p := &progress{w: stdout, live: live}
	if live {
		p.log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	} else {
		p.log = newLogger(os.Stderr, format)
	}
	return p
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

var spinner = []rune("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")

// stage receives model.Fit's progress events.
func (p *progress) stage(ev model.Event) {
	if !p.live {
		if ev.Done {
			p.log.Info("stage done", "stage", ev.Stage, "took", ev.Took.Round(time.Millisecond))
		} else {
			p.log.Info("stage started", "stage", ev.Stage)
		}
		return
	}
	if ev.Done {
		p.stopSpinner()
		fmt.Fprintf(p.w, "\r\033[K  ✓ %-11s %8s\n", ev.Stage, ev.Took.Round(time.Millisecond))
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stop, p.stopped = make(chan struct{}), make(chan struct{})
	go p.spin(ev.Stage, time.Now(), p.stop, p.stopped)
}

func (p *progress) spin(stage string, start time.Time, stop, stopped chan struct{}) {
	defer close(stopped)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for i := 0; ; i++ {
		fmt.Fprintf(p.w, "\r\033[K  %c %-11s %8s", spinner[i%len(spinner)], stage, time.Since(start).Round(100*time.Millisecond))
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}

func (p *progress) stopSpinner() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stop != nil {
		close(p.stop)
		<-p.stopped
		p.stop = nil
	}
}

// summary prints what the refit produced.
func (p *progress) summary(o *runOutcome) {
	r, m := o.result, o.result.Metrics
	w := p.w
	fmt.Fprintf(w, "\nmodel %s from %d stores (%s) in %s\n", r.Bundle.Version(), m.Stores, o.source, o.took.Round(time.Millisecond))
	fmt.Fprintf(w, "  %s\n\n", r.PreviousNote)
	fmt.Fprintf(w, "  %-22s %10s\n", "metric", "value")
	metrics := m.Map()
	for _, k := range sortedKeys(metrics) {
		fmt.Fprintf(w, "  %-22s %10s\n", k, formatMetric(metrics[k]))
	}
	fmt.Fprintf(w, "\n  %-5s %-48s %8s %7s\n", "id", "segment", "stores", "share")
	for _, s := range r.Profiles {
		fmt.Fprintf(w, "  %-5d %-48s %8d %6.1f%%\n", s.ID, truncate(s.Name, 48), s.Size, 100*s.Share)
	}
	kinds := map[string]int{}
	for _, t := range r.Matching.Transitions {
		kinds[string(t.Kind)]++
	}
	var parts []string
	for _, k := range sortedKeys(kinds) {
		parts = append(parts, fmt.Sprintf("%d %s", kinds[k], k))
	}
	fmt.Fprintf(w, "\n  transitions: %s\n", strings.Join(parts, ", "))
	fmt.Fprintf(w, "  artifacts:   %s\n", o.artifacts.dir)
	switch {
	case o.trackingErr != nil:
		fmt.Fprintf(w, "  MLflow:      FAILED: %v\n", o.trackingErr)
	case o.runID != "":
		fmt.Fprintf(w, "  MLflow:      run %s%s\n", o.runID, registeredNote(o.registered))
	}
	switch {
	case len(o.gate) > 0:
		fmt.Fprintf(w, "  gate:        FAILED, not published:\n")
		for _, g := range o.gate {
			fmt.Fprintf(w, "               - %s\n", g)
		}
	case o.publishErr != nil:
		fmt.Fprintf(w, "  gate:        passed\n  published:   FAILED: %v\n", o.publishErr)
	case o.published:
		fmt.Fprintf(w, "  gate:        passed\n  published:   yes\n")
	default:
		fmt.Fprintf(w, "  gate:        passed (champion kept in %s)\n", o.artifacts.champion)
	}
}

// formatMetric prints counts as integers and other values with four significant digits.
func formatMetric(v float64) string {
	if v == float64(int64(v)) && v < 1e15 && v > -1e15 {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%.4g", v)
}

func registeredNote(v string) string {
	if v == "" {
		return ""
	}
	return ", registered as version " + v + " (alias champion)"
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
