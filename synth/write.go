package synth

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/storeseg/storeseg/table"
)

// IDColumn and ArchetypeColumn name the id column and the truth file's archetype column.
const (
	IDColumn        = "store_id"
	ArchetypeColumn = "archetype"
)

// Columns returns the columns of the generated table: the id, the numeric features (float64)
// and the categorical features (string). Integer-valued features such as staff_count are
// float64 too, so every tool reads them as numeric.
func Columns() []table.Column {
	cols := []table.Column{{Name: IDColumn, Type: table.String}}
	for _, n := range numNames {
		cols = append(cols, table.Column{Name: n, Type: table.Float64})
	}
	for _, n := range catNames {
		cols = append(cols, table.Column{Name: n, Type: table.String})
	}
	return cols
}

// TruthColumns returns the columns of the truth table: the id and the archetype.
func TruthColumns() []table.Column {
	return []table.Column{{Name: IDColumn, Type: table.String}, {Name: ArchetypeColumn, Type: table.String}}
}

// ArchetypeSummary describes the generated stores of one archetype.
type ArchetypeSummary struct {
	Name        string
	Stores      int
	MeanRevenue float64 // over stores whose revenue is not missing; NaN if none
	MeanArea    float64 // same for sales area
}

// Summary describes a generated table.
type Summary struct {
	Stores       int
	MissingCells int // missing feature cells
	FeatureCells int // all feature cells
	Archetypes   []ArchetypeSummary
}

// Write generates every store and writes it to data (made with Columns) and, when truth is
// not nil, its archetype to truth (made with TruthColumns). It does not close the writers.
func (g *Generator) Write(ctx context.Context, data, truth *table.Writer) (Summary, error) {
	if len(data.Columns()) != len(Columns()) || (truth != nil && len(truth.Columns()) != 2) {
		return Summary{}, errors.New("synth: writers must have Columns() and TruthColumns()")
	}
	names := Archetypes()
	index := make(map[string]int, len(names))
	sum := Summary{Stores: g.cfg.Stores, FeatureCells: g.cfg.Stores * (len(numNames) + len(catNames))}
	acc := make([]struct{ rev, area, nRev, nArea float64 }, len(names))
	for k, n := range names {
		index[n] = k
		sum.Archetypes = append(sum.Archetypes, ArchetypeSummary{Name: n})
	}
	var s Store
	for i := range g.cfg.Stores {
		if i%8192 == 0 {
			if err := ctx.Err(); err != nil {
				return Summary{}, err
			}
		}
		g.StoreTo(&s, i)
		if err := writeStore(data, truth, &s); err != nil {
			return Summary{}, fmt.Errorf("synth: writing store %s: %w", s.ID, err)
		}
		k := index[s.Archetype]
		sum.Archetypes[k].Stores++
		if v := s.Num[colRevenue]; !math.IsNaN(v) {
			acc[k].rev, acc[k].nRev = acc[k].rev+v, acc[k].nRev+1
		}
		if v := s.Num[colArea]; !math.IsNaN(v) {
			acc[k].area, acc[k].nArea = acc[k].area+v, acc[k].nArea+1
		}
		sum.MissingCells += countMissing(&s)
	}
	for k := range sum.Archetypes {
		sum.Archetypes[k].MeanRevenue = acc[k].rev / acc[k].nRev
		sum.Archetypes[k].MeanArea = acc[k].area / acc[k].nArea
	}
	return sum, nil
}

func writeStore(data, truth *table.Writer, s *Store) error {
	data.String(0, s.ID)
	for j, v := range s.Num {
		data.Float64(1+j, v)
	}
	for q, v := range s.Cat {
		if v == "" {
			data.Null(1 + len(numNames) + q)
		} else {
			data.String(1+len(numNames)+q, v)
		}
	}
	if err := data.EndRow(); err != nil {
		return err
	}
	if truth == nil {
		return nil
	}
	truth.String(0, s.ID)
	truth.String(1, s.Archetype)
	return truth.EndRow()
}

func countMissing(s *Store) int {
	n := 0
	for _, v := range s.Num {
		if math.IsNaN(v) {
			n++
		}
	}
	for _, v := range s.Cat {
		if v == "" {
			n++
		}
	}
	return n
}

// Generate writes the table of cfg to dataPath and, if truthPath is not empty, the truth to
// truthPath (formats by extension). Each file appears only when complete.
func Generate(ctx context.Context, cfg Config, dataPath, truthPath string) (sum Summary, err error) {
	g, err := New(cfg)
	if err != nil {
		return Summary{}, err
	}
	data, err := table.Create(dataPath, table.FormatAuto, Columns())
	if err != nil {
		return Summary{}, err
	}
	var truth *table.Writer
	if truthPath != "" {
		if truth, err = table.Create(truthPath, table.FormatAuto, TruthColumns()); err != nil {
			data.Abort()
			return Summary{}, err
		}
	}
	defer func() {
		if err != nil {
			data.Abort()
			if truth != nil {
				truth.Abort()
			}
		}
	}()
	if sum, err = g.Write(ctx, data, truth); err != nil {
		return Summary{}, err
	}
	if err = data.Close(); err != nil {
		return Summary{}, err
	}
	if truth != nil {
		if err = truth.Close(); err != nil {
			return Summary{}, err
		}
	}
	return sum, nil
}
