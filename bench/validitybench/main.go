// Command validitybench times model/validity on a data set written by
// bench/validity_compare.py and prints one JSON object with the score, the wall time of the
// call and the process's peak resident set size (VmHWM).
//
// Usage:
//
//	validitybench -metric dbcv|silhouette -x X.f64 -labels labels.i64 -n N -d D [-workers W]
//
// X.f64 holds the N×D matrix as little-endian float64, row-major; labels.i64 holds N
// little-endian int64 labels (negative = noise). The silhouette excludes noise rows, like
// sklearn's silhouette_score on the rows with labels ≥ 0.
package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/storeseg/storeseg/model/validity"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "validitybench:", err)
		os.Exit(1)
	}
}

// result is what the comparison script reads.
type result struct {
	Metric       string  `json:"metric"`
	N            int     `json:"n"`
	D            int     `json:"d"`
	Workers      int     `json:"workers"`
	Value        float64 `json:"value"`
	Seconds      float64 `json:"seconds"`
	CPUSeconds   float64 `json:"cpu_seconds"` // user + system, all threads
	PeakRSSBytes int64   `json:"peak_rss_bytes"`
	BaseRSSBytes int64   `json:"base_rss_bytes"` // just before the call
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("validitybench", flag.ContinueOnError)
	metric := fs.String("metric", "dbcv", "dbcv or silhouette")
	xPath := fs.String("x", "", "little-endian float64 matrix, row-major")
	lPath := fs.String("labels", "", "little-endian int64 labels")
	n := fs.Int("n", 0, "rows")
	d := fs.Int("d", 0, "columns")
	workers := fs.Int("workers", 0, "goroutines (0 = GOMAXPROCS)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	x, labels, err := load(*xPath, *lPath, *n, *d)
	if err != nil {
		return err
	}
	res := result{Metric: *metric, N: *n, D: *d, Workers: *workers}
	if res.BaseRSSBytes, err = procStatus("VmRSS"); err != nil {
		return err
	}
	cpu0, err := cpuSeconds()
	if err != nil {
		return err
	}
	start := time.Now()
	switch *metric {
	case "dbcv":
		var r *validity.DBCVResult
		if r, err = validity.DBCV(ctx, x, labels, validity.Config{Workers: *workers}); err == nil {
			res.Value = r.Score
		}
	case "silhouette":
		cfg := validity.SilhouetteConfig{ExcludeNoise: true, Workers: *workers}
		res.Value, err = validity.Silhouette(ctx, x, labels, cfg)
	default:
		return fmt.Errorf("unknown metric %q", *metric)
	}
	if err != nil {
		return err
	}
	res.Seconds = time.Since(start).Seconds()
	cpu1, err := cpuSeconds()
	if err != nil {
		return err
	}
	res.CPUSeconds = cpu1 - cpu0
	if res.PeakRSSBytes, err = procStatus("VmHWM"); err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(res)
}

// cpuSeconds is the process's user + system CPU time so far.
func cpuSeconds() (float64, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("reading CPU time: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds(), nil
}

// procStatus reads a size field such as VmHWM (peak RSS) or VmRSS from /proc/self/status.
// (getrusage's ru_maxrss is no good here: Linux keeps the parent's high-water mark across
// fork and exec.)
func procStatus(field string) (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", field, err)
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb); err != nil {
				return 0, fmt.Errorf("parsing %s %q: %w", field, rest, err)
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("no %s in /proc/self/status", field)
}

// load reads the matrix and labels written by the comparison script.
func load(xPath, lPath string, n, d int) (*mat.Dense, []int, error) {
	if n <= 0 || d <= 0 || xPath == "" || lPath == "" {
		return nil, nil, errors.New("-x, -labels, -n and -d are required")
	}
	xb, err := os.ReadFile(xPath)
	if err != nil {
		return nil, nil, err
	}
	lb, err := os.ReadFile(lPath)
	if err != nil {
		return nil, nil, err
	}
	if len(xb) != 8*n*d || len(lb) != 8*n {
		return nil, nil, fmt.Errorf("files hold %d and %d bytes; want %d and %d", len(xb), len(lb), 8*n*d, 8*n)
	}
	data := make([]float64, n*d)
	for i := range data {
		data[i] = math.Float64frombits(binary.LittleEndian.Uint64(xb[8*i:]))
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = int(int64(binary.LittleEndian.Uint64(lb[8*i:])))
	}
	return mat.NewDense(n, d, data), labels, nil
}
