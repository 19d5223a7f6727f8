// Command hdbscanbench clusters a data set with model/hdbscan and reports the time taken, for
// bench/hdbscan_compare.py.
//
// Usage:
//
//	hdbscanbench -in data.npy [-min-cluster-size 5] [-min-samples 0] [-workers 0]
//	             [-labels out.npy] [-cpuprofile cpu.prof]
//
// The input is a two-dimensional little-endian float64 .npy array (rows are points) or a
// CSV file of numbers without a header. It prints one JSON object: rows, dims, seconds
// (Cluster only, not reading the file), clusters and noise. With -labels it writes the labels
// as an int64 .npy array.
package main

import (
	"bufio"
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
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/storeseg/storeseg/model/hdbscan"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "hdbscanbench:", err)
		os.Exit(1)
	}
}

type report struct {
	Rows     int     `json:"rows"`
	Dims     int     `json:"dims"`
	Seconds  float64 `json:"seconds"`
	Clusters int     `json:"clusters"`
	Noise    int     `json:"noise"`
	Workers  int     `json:"workers"`
	// CPUSeconds is the user+system CPU time the process spent in Cluster, all threads.
	CPUSeconds float64 `json:"cpu_seconds"`
	// PeakRSSMiB is the process's peak resident memory (VmHWM in /proc/self/status), 0 where
	// that file does not exist.
	PeakRSSMiB float64 `json:"peak_rss_mib"`
}

func run(ctx context.Context, args []string, stdout io.Writer) (err error) {
	fs := flag.NewFlagSet("hdbscanbench", flag.ContinueOnError)
	in := fs.String("in", "", "input .npy (float64, 2-D) or .csv")
	mcs := fs.Int("min-cluster-size", 5, "MinClusterSize")
	ms := fs.Int("min-samples", 0, "MinSamples (0: MinClusterSize)")
	workers := fs.Int("workers", 0, "Workers (0: GOMAXPROCS)")
	labelsOut := fs.String("labels", "", "write labels to this .npy file")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of Cluster to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" {
		return errors.New("-in is required")
	}
	x, err := readMatrix(*in)
	if err != nil {
		return err
	}
	cfg := hdbscan.Config{MinClusterSize: *mcs, MinSamples: *ms, Workers: *workers}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer func() { err = errors.Join(err, f.Close()) }()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	cpu0, start := cpuTime(), time.Now()
	res, err := hdbscan.Cluster(ctx, x, cfg)
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	if *cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}
	rows, dims := x.Dims()
	rep := report{Rows: rows, Dims: dims, Seconds: elapsed.Seconds(), Clusters: res.NClusters,
		Workers: *workers, CPUSeconds: cpu.Seconds()}
	for _, l := range res.Labels {
		if l < 0 {
			rep.Noise++
		}
	}
	if *labelsOut != "" {
		if err := writeLabels(*labelsOut, res.Labels); err != nil {
			return err
		}
	}
	rep.PeakRSSMiB = peakRSS()
	return json.NewEncoder(stdout).Encode(rep)
}

// cpuTime is the user+system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS reads the peak resident set size of this process in MiB (Linux), or 0.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err == nil {
				return float64(kb) / 1024
			}
		}
	}
	return 0
}

func readMatrix(path string) (*mat.Dense, error) {
	if strings.HasSuffix(path, ".csv") {
		return readCSV(path)
	}
	return readNpy(path)
}

var npyShape = regexp.MustCompile(`'shape':\s*\((\d+),\s*(\d+)\)`)

// readNpy reads a C-ordered little-endian float64 .npy matrix.
func readNpy(path string) (*mat.Dense, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 10 || string(b[:6]) != "\x93NUMPY" {
		return nil, fmt.Errorf("%s: not a .npy file", path)
	}
	hlen, start := int(binary.LittleEndian.Uint16(b[8:])), 10
	if b[6] >= 2 {
		hlen, start = int(binary.LittleEndian.Uint32(b[8:])), 12
	}
	if start+hlen > len(b) {
		return nil, fmt.Errorf("%s: truncated header", path)
	}
	h := string(b[start : start+hlen])
	if !strings.Contains(h, "'<f8'") || strings.Contains(h, "'fortran_order': True") {
		return nil, fmt.Errorf("%s: need a C-ordered <f8 array, header %s", path, h)
	}
	m := npyShape.FindStringSubmatch(h)
	if m == nil {
		return nil, fmt.Errorf("%s: need a 2-D array, header %s", path, h)
	}
	r, _ := strconv.Atoi(m[1])
	c, _ := strconv.Atoi(m[2])
	data := b[start+hlen:]
	if len(data) != r*c*8 || r == 0 || c == 0 {
		return nil, fmt.Errorf("%s: %d bytes for shape (%d, %d)", path, len(data), r, c)
	}
	v := make([]float64, r*c)
	for i := range v {
		v[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
	}
	return mat.NewDense(r, c, v), nil
}

func readCSV(path string) (*mat.Dense, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var v []float64
	cols := -1
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for line := 1; sc.Scan(); line++ {
		fields := strings.Split(strings.TrimSpace(sc.Text()), ",")
		if cols >= 0 && len(fields) != cols {
			return nil, fmt.Errorf("%s:%d: %d fields, want %d", path, line, len(fields), cols)
		}
		cols = len(fields)
		for _, s := range fields {
			x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, line, err)
			}
			v = append(v, x)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if cols <= 0 {
		return nil, fmt.Errorf("%s: no data", path)
	}
	return mat.NewDense(len(v)/cols, cols, v), nil
}

func writeLabels(path string, labels []int) error {
	h := fmt.Sprintf("{'descr': '<i8', 'fortran_order': False, 'shape': (%d,), }", len(labels))
	pad := (64 - (10+len(h)+1)%64) % 64
	h += strings.Repeat(" ", pad) + "\n"
	buf := make([]byte, 0, 10+len(h)+8*len(labels))
	buf = append(buf, "\x93NUMPY\x01\x00"...)
	buf = binary.LittleEndian.AppendUint16(buf, uint16(len(h)))
	buf = append(buf, h...)
	for _, l := range labels {
		buf = binary.LittleEndian.AppendUint64(buf, uint64(int64(l)))
	}
	return os.WriteFile(path, buf, 0o644)
}
