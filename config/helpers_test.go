package config_test

import (
	"github.com/storeseg/storeseg/model/frame"
	"github.com/storeseg/storeseg/synth"
)

// generatedFrame builds a raw frame of n generated stores in memory.
func generatedFrame(g *synth.Generator, n int) *frame.Frame {
	f := &frame.Frame{IDName: synth.IDColumn, NumNames: synth.NumNames(), CatNames: synth.CatNames()}
	f.Num = make([][]float64, len(f.NumNames))
	f.Cat = make([][]int32, len(f.CatNames))
	f.Levels = make([][]string, len(f.CatNames))
	codes := make([]map[string]int32, len(f.CatNames))
	for q := range codes {
		codes[q] = map[string]int32{}
		f.Levels[q] = []string{}
	}
	for i := range n {
		s := g.Store(i)
		f.IDs = append(f.IDs, s.ID)
		for j, v := range s.Num {
			f.Num[j] = append(f.Num[j], v)
		}
		for q, v := range s.Cat {
			code := frame.Missing
			if v != "" {
				c, ok := codes[q][v]
				if !ok {
					c = int32(len(f.Levels[q]))
					codes[q][v] = c
					f.Levels[q] = append(f.Levels[q], v)
				}
				code = c
			}
			f.Cat[q] = append(f.Cat[q], code)
		}
	}
	return f
}
