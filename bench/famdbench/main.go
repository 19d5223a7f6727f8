// Command famdbench is the Go contender of bench/famd_compare.py: it reads a CSV of stores
// into a frame, fits FAMD and prints one JSON line
//
//	{"rows": n, "read_seconds": s, "seconds": s, "eigenvalues": [...], "refined": false}
//
// where seconds is the time famd.Fit took and eigenvalues are those of the kept components.
//
// Usage:
//
//	famdbench -csv stores.csv -num x0,x1 -cat c0,c1 [-k 5] [-workers 0]
package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/storeseg/storeseg/model/famd"
	"github.com/storeseg/storeseg/model/frame"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "famdbench:", err)
		os.Exit(1)
	}
}

type report struct {
	Rows        int       `json:"rows"`
	ReadSeconds float64   `json:"read_seconds"`
	Seconds     float64   `json:"seconds"`
	Eigenvalues []float64 `json:"eigenvalues"`
	Refined     bool      `json:"refined"`
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("famdbench", flag.ContinueOnError)
	path := fs.String("csv", "", "CSV file with a header row")
	num := fs.String("num", "", "comma-separated numeric columns")
	cat := fs.String("cat", "", "comma-separated categorical columns")
	k := fs.Int("k", 5, "components to keep")
	workers := fs.Int("workers", 0, "worker goroutines (0: GOMAXPROCS)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *path == "" {
		return errors.New("-csv is required")
	}
	start := time.Now()
	f, err := readCSV(*path, split(*num), split(*cat))
	if err != nil {
		return err
	}
	read := time.Since(start)
	start = time.Now()
	res, err := famd.Fit(ctx, f, famd.Config{NComponents: *k, Workers: *workers})
	if err != nil {
		return err
	}
	rep := report{Rows: f.Rows(), ReadSeconds: read.Seconds(), Seconds: time.Since(start).Seconds(),
		Eigenvalues: res.Eigenvalues[:res.Model.NComponents()], Refined: res.Refined}
	return json.NewEncoder(stdout).Encode(rep)
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// readCSV reads the named columns; categorical levels get codes in order of appearance.
func readCSV(path string, numCols, catCols []string) (*frame.Frame, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	r := csv.NewReader(fh)
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("reading header of %s: %w", path, err)
	}
	index := make(map[string]int, len(header))
	for i, h := range header {
		index[h] = i
	}
	f := &frame.Frame{NumNames: numCols, CatNames: catCols, Num: make([][]float64, len(numCols)),
		Cat: make([][]int32, len(catCols)), Levels: make([][]string, len(catCols))}
	numIdx, catIdx := make([]int, len(numCols)), make([]int, len(catCols))
	for j, name := range append(append([]string(nil), numCols...), catCols...) {
		i, ok := index[name]
		if !ok {
			return nil, fmt.Errorf("%s has no column %q", path, name)
		}
		if j < len(numCols) {
			numIdx[j] = i
		} else {
			catIdx[j-len(numCols)] = i
		}
	}
	codes := make([]map[string]int32, len(catCols))
	for q := range codes {
		codes[q] = map[string]int32{}
	}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return f, nil
		}
		if err != nil {
			return nil, err
		}
		for j, i := range numIdx {
			v, err := strconv.ParseFloat(rec[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%s line %d column %q: %w", path, line, numCols[j], err)
			}
			f.Num[j] = append(f.Num[j], v)
		}
		for q, i := range catIdx {
			c, ok := codes[q][rec[i]]
			if !ok {
				c = int32(len(f.Levels[q]))
				codes[q][strings.Clone(rec[i])] = c
				f.Levels[q] = append(f.Levels[q], strings.Clone(rec[i]))
			}
			f.Cat[q] = append(f.Cat[q], c)
		}
	}
}
