// Command forestbench trains storeseg's random forest (model/forest) on data in .npy
// files and prints one JSON object with the timings and accuracies, for
// bench/forest_compare.py to set against scikit-learn.
//
// Usage:
//
//	forestbench -x X.npy -y y.npy [-xtest Xt.npy -ytest yt.npy] [flags]
//
// X files are float64 (n, d) arrays; y files are int64 or float64 label vectors.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/storeseg/storeseg/model/forest"
)

// result is the JSON line forestbench prints.
type result struct {
	NTrain          int      `json:"n_train"`
	NTest           int      `json:"n_test"`
	NFeatures       int      `json:"n_features"`
	NClasses        int      `json:"n_classes"`
	Workers         int      `json:"workers"`
	FitSeconds      float64  `json:"fit_seconds"`
	FitCPUSeconds   float64  `json:"fit_cpu_seconds"`
	Nodes           int      `json:"nodes"`
	OOBScore        *float64 `json:"oob_score"`
	TestAccuracy    *float64 `json:"test_accuracy"`
	BatchSeconds    float64  `json:"predict_batch_seconds"`
	PredictOneNs    float64  `json:"predict_one_ns"`
	PredictOneAlloc float64  `json:"predict_one_allocs"`
	PeakRSSBytes    int64    `json:"peak_rss_bytes"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "forestbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("forestbench", flag.ContinueOnError)
	xPath := fs.String("x", "", "training features (.npy, float64 n×d)")
	yPath := fs.String("y", "", "training labels (.npy)")
	xtPath := fs.String("xtest", "", "test features (.npy); optional")
	ytPath := fs.String("ytest", "", "test labels (.npy); optional")
	trees := fs.Int("trees", 100, "number of trees")
	maxFeatures := fs.String("max-features", "sqrt", "sqrt, log2, all, a fraction or a count")
	maxDepth := fs.Int("max-depth", 0, "maximum depth (0 = unlimited)")
	minLeaf := fs.Int("min-samples-leaf", 1, "minimum samples per leaf")
	classWeight := fs.String("class-weight", "none", "none or balanced")
	seed := fs.Uint64("seed", 0, "random seed")
	workers := fs.Int("workers", 0, "training workers (0 = GOMAXPROCS)")
	oob := fs.Bool("oob", false, "compute the out-of-bag score")
	predictRows := fs.Int("predict-one", 20000, "single-row predictions to time (0 = skip)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *xPath == "" || *yPath == "" {
		return errors.New("-x and -y are required")
	}
	mf, err := forest.ParseMaxFeatures(*maxFeatures)
	if err != nil {
		return err
	}
	cw, err := forest.ParseClassWeight(*classWeight)
	if err != nil {
		return err
	}
	cfg := forest.Config{
		NEstimators: *trees, MaxFeatures: mf, MaxDepth: *maxDepth, MinSamplesLeaf: *minLeaf,
		ClassWeight: cw, OOB: *oob, Seed: *seed, Workers: *workers,
	}
	x, y, err := load(*xPath, *yPath)
	if err != nil {
		return err
	}
	var xt *mat.Dense
	var yt []int
	if *xtPath != "" {
		if xt, yt, err = load(*xtPath, *ytPath); err != nil {
			return err
		}
	}
	res, err := bench(ctx, x, y, xt, yt, cfg, *predictRows)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(res)
}

// load reads a feature matrix and its labels.
func load(xPath, yPath string) (*mat.Dense, []int, error) {
	xs, shape, err := readNpy(xPath)
	if err != nil {
		return nil, nil, err
	}
	if len(shape) != 2 || shape[0] == 0 || shape[1] == 0 {
		return nil, nil, fmt.Errorf("%s: shape %v, want a non-empty matrix", xPath, shape)
	}
	ys, yshape, err := readNpy(yPath)
	if err != nil {
		return nil, nil, err
	}
	if len(yshape) != 1 || yshape[0] != shape[0] {
		return nil, nil, fmt.Errorf("%s: shape %v, want (%d,)", yPath, yshape, shape[0])
	}
	y := make([]int, len(ys))
	for i, v := range ys {
		y[i] = int(v)
	}
	return mat.NewDense(shape[0], shape[1], xs), y, nil
}

// bench trains, scores and times the forest.
func bench(ctx context.Context, x *mat.Dense, y []int, xt *mat.Dense, yt []int, cfg forest.Config, predictRows int) (*result, error) {
	n, d := x.Dims()
	res := &result{NTrain: n, NFeatures: d, Workers: cfg.Workers}
	if res.Workers == 0 {
		res.Workers = runtime.GOMAXPROCS(0)
	}
	start, cpu := time.Now(), cpuTime()
	clf, err := forest.Train(ctx, x, y, cfg)
	if err != nil {
		return nil, err
	}
	res.FitSeconds = time.Since(start).Seconds()
	res.FitCPUSeconds = (cpuTime() - cpu).Seconds()
	res.Nodes, res.NClasses = clf.Size(), len(clf.Classes())
	if s, ok := clf.OOBScore(); ok {
		res.OOBScore = &s
	}
	if xt != nil {
		res.NTest, _ = xt.Dims()
		start = time.Now()
		labels, _, err := clf.PredictBatch(ctx, xt)
		if err != nil {
			return nil, err
		}
		res.BatchSeconds = time.Since(start).Seconds()
		var ok int
		for i, l := range labels {
			if l == yt[i] {
				ok++
			}
		}
		acc := float64(ok) / float64(len(yt))
		res.TestAccuracy = &acc
		if predictRows > 0 {
			res.PredictOneNs, res.PredictOneAlloc = predictOne(clf, xt, predictRows)
		}
	}
	res.PeakRSSBytes = peakRSS()
	return res, nil
}

// predictOne times PredictProba one row at a time, cycling through the test rows, and
// counts the allocations per call.
func predictOne(clf *forest.Classifier, xt *mat.Dense, calls int) (ns, allocs float64) {
	nt, _ := xt.Dims()
	dst := make([]float64, len(clf.Classes()))
	for i := range min(calls, 1000) { // warm up
		clf.PredictProba(dst, xt.RawRowView(i%nt))
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	for i := range calls {
		clf.PredictProba(dst, xt.RawRowView(i%nt))
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	return float64(elapsed.Nanoseconds()) / float64(calls), float64(after.Mallocs-before.Mallocs) / float64(calls)
}

// cpuTime returns the CPU time (user + system, all threads) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS returns the process's peak resident set size (VmHWM), or 0 where /proc is
// unavailable.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
