package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// readNpy reads a C-ordered little-endian .npy file of float64 ('<f8') or int64 ('<i8')
// values and returns them as float64 with the shape.
func readNpy(path string) ([]float64, []int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if len(b) < 10 || string(b[:6]) != "\x93NUMPY" {
		return nil, nil, fmt.Errorf("%s: not a .npy file", path)
	}
	hlen, start := int(binary.LittleEndian.Uint16(b[8:])), 10
	if b[6] >= 2 {
		if len(b) < 12 {
			return nil, nil, fmt.Errorf("%s: truncated header", path)
		}
		hlen, start = int(binary.LittleEndian.Uint32(b[8:])), 12
	}
	if start+hlen > len(b) {
		return nil, nil, fmt.Errorf("%s: truncated header", path)
	}
	h := string(b[start : start+hlen])
	if strings.Contains(h, "'fortran_order': True") {
		return nil, nil, fmt.Errorf("%s: Fortran order is not supported", path)
	}
	shape, err := parseShape(h)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	n := 1
	for _, s := range shape {
		n *= s
	}
	data := b[start+hlen:]
	if len(data) != 8*n {
		return nil, nil, fmt.Errorf("%s: %d data bytes for shape %v", path, len(data), shape)
	}
	out := make([]float64, n)
	switch {
	case strings.Contains(h, "'<f8'"):
		for i := range out {
			out[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
		}
	case strings.Contains(h, "'<i8'"):
		for i := range out {
			out[i] = float64(int64(binary.LittleEndian.Uint64(data[8*i:])))
		}
	default:
		return nil, nil, fmt.Errorf("%s: dtype is not <f8 or <i8: %s", path, h)
	}
	return out, shape, nil
}

func parseShape(h string) ([]int, error) {
	i := strings.Index(h, "'shape':")
	if i < 0 {
		return nil, errors.New("header lacks shape")
	}
	rest := h[i:]
	lo, hi := strings.IndexByte(rest, '('), strings.IndexByte(rest, ')')
	if lo < 0 || hi < lo {
		return nil, errors.New("bad shape")
	}
	var shape []int
	for _, f := range strings.Split(rest[lo+1:hi], ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("bad shape dimension %q", f)
		}
		shape = append(shape, v)
	}
	return shape, nil
}
