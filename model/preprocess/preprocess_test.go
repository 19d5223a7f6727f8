package preprocess_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/storeseg/storeseg/model/frame"
	"github.com/storeseg/storeseg/model/preprocess"
)

const m = frame.Missing

func ptr(v float64) *float64 { return &v }

// small is a hand-checked frame: 8 rows.
func small() *frame.Frame {
	nan := math.NaN()
	return &frame.Frame{
		IDName: "id", IDs: []string{"a", "b", "c", "d", "e", "f", "g", "h"},
		NumNames: []string{"x", "y", "unused"},
		Num: [][]float64{
			{0, 1, 3, nan, 7, 15, nan, 63},
			{2, nan, 4, 10, nan, 1, 1, 2},
			{9, 9, 9, 9, 9, 9, 9, 9},
		},
		CatNames: []string{"c1", "c2", "c3"},
		Levels:   [][]string{{"b", "a", "z", "other"}, {"u", "v", "w"}, {"p", "q"}},
		Cat: [][]int32{
			{0, 1, 0, m, 2, 0, 1, 3},
			{0, 1, m, 0, 1, 2, m, 2},
			{0, 0, 1, 1, m, 0, 1, m},
		},
	}
}

func TestFitHandChecked(t *testing.T) {
	spec := preprocess.Spec{
		Numeric: []preprocess.NumericSpec{
			{Name: "x", Transform: preprocess.Log1p, Impute: preprocess.Median},
			{Name: "y", Impute: preprocess.Mean},
		},
		Categorical: []preprocess.CategoricalSpec{
			{Name: "c1", Missing: preprocess.Category, MinFrequency: 0.2},
			{Name: "c2", Missing: preprocess.Mode},
			{Name: "c3", Missing: preprocess.Category},
		},
	}
	p, got, err := preprocess.Fit(spec, small())
	if err != nil {
		t.Fatal(err)
	}
	ln := math.Log1p
	// x: log1p of 0,1,3,7,15,63 → ln2·{0,1,2,3,4,6}; median of 6 = (ln4+ln8)/2.
	medX := (ln(3) + ln(7)) / 2
	// y: mean of 2,4,10,1,1,2 = 20/6.
	meanY := (0 + ((((2 + 4) + 10) + 1) + 1) + 2) / 6.0
	// c1: b×3, a×2, z×1, other×1, missing×1 of 8; z and missing (1/8 < 0.2) join "other".
	// c2: u×2, v×2, w×2, missing×2 → mode is u (tie, smallest).
	// c3: p×3, q×3, missing×2 → levels missing, p, q.
	want := &frame.Frame{
		IDName: "id", IDs: small().IDs,
		NumNames: []string{"x", "y"},
		Num: [][]float64{
			{ln(0), ln(1), ln(3), medX, ln(7), ln(15), medX, ln(63)},
			{2, meanY, 4, 10, meanY, 1, 1, 2},
		},
		CatNames: []string{"c1", "c2", "c3"},
		Levels:   [][]string{{"a", "b", "other"}, {"u", "v", "w"}, {"missing", "p", "q"}},
		Cat:      [][]int32{{1, 0, 1, 2, 2, 1, 0, 2}, {0, 1, 0, 0, 1, 2, 0, 2}, {1, 1, 2, 2, 0, 1, 2, 0}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Fit mismatch (-want +got):\n%s", d)
	}
	if d := cmp.Diff(want.Levels, p.Levels()); d != "" {
		t.Errorf("Levels() mismatch (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"x", "y"}, p.NumNames()); d != "" {
		t.Errorf("NumNames() mismatch:\n%s", d)
	}

	// Unseen levels: "new" maps to "other" in c1 and to Missing in c2 and c3; a missing value
	// in c2 maps to the mode, in c3 to "missing".
	var row frame.Row
	n, err := p.ApplyRecordUnseen(&row, frame.Record{Num: []float64{math.NaN(), 0}, Cat: []string{"new", "new", ""}})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(frame.Row{Num: []float64{medX, 0}, Cat: []int32{2, m, 0}}, row); d != "" || n != 2 {
		t.Errorf("ApplyRecordUnseen = %v, %d unseen; want 2 unseen:\n%s", row, n, d)
	}
}

// TestUnseenMissingCategory: a missing value under Category when the fit saw none has no
// level; it maps like an unseen level and is counted.
func TestUnseenMissingCategory(t *testing.T) {
	f := &frame.Frame{IDs: []string{"a", "b"}, CatNames: []string{"c"}, Levels: [][]string{{"u", "v"}},
		Cat: [][]int32{{0, 1}}}
	p, _, err := preprocess.Fit(preprocess.Spec{Categorical: []preprocess.CategoricalSpec{{Name: "c"}}}, f)
	if err != nil {
		t.Fatal(err)
	}
	f.Cat[0][1] = m
	got, unseen, err := p.ApplyUnseen(f)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]int32{0, m}, got.Cat[0]); d != "" || unseen[0] != 1 {
		t.Errorf("ApplyUnseen = %v, unseen %v; want [0 -1], [1]", got.Cat[0], unseen)
	}
}

func TestFitErrors(t *testing.T) {
	num := func(s preprocess.NumericSpec) preprocess.Spec {
		return preprocess.Spec{Numeric: []preprocess.NumericSpec{s}}
	}
	cat := func(s preprocess.CategoricalSpec) preprocess.Spec {
		return preprocess.Spec{Categorical: []preprocess.CategoricalSpec{s}}
	}
	tests := []struct {
		name string
		spec preprocess.Spec
		edit func(f *frame.Frame)
		kind error
		msg  string
	}{
		{"no features", preprocess.Spec{}, nil, preprocess.ErrSpec, "no features"},
		{"twice", preprocess.Spec{Numeric: []preprocess.NumericSpec{{Name: "x"}},
			Categorical: []preprocess.CategoricalSpec{{Name: "x"}}}, nil, preprocess.ErrSpec, `"x" listed twice`},
		{"min above max", num(preprocess.NumericSpec{Name: "x", Min: ptr(2), Max: ptr(1)}), nil, preprocess.ErrSpec, "min 2 above max 1"},
		{"bad frequency", cat(preprocess.CategoricalSpec{Name: "c1", MinFrequency: 1}), nil, preprocess.ErrSpec, "outside [0, 1)"},
		{"absent numeric", num(preprocess.NumericSpec{Name: "nope"}), nil, preprocess.ErrNoColumn, `feature "nope": no numeric column`},
		{"absent categorical", cat(preprocess.CategoricalSpec{Name: "nope"}), nil, preprocess.ErrNoColumn, `feature "nope"`},
		{"below min", num(preprocess.NumericSpec{Name: "x", Min: ptr(1)}), nil, preprocess.ErrInvalid,
			`feature "x", row 1 (store "a"): value 0 is below the minimum 1`},
		{"above max", num(preprocess.NumericSpec{Name: "x", Max: ptr(10)}), nil, preprocess.ErrInvalid,
			`row 6 (store "f"): value 15 is above the maximum 10`},
		{"log1p of -1", num(preprocess.NumericSpec{Name: "x", Transform: preprocess.Log1p}),
			func(f *frame.Frame) { f.Num[0][2] = -1 }, preprocess.ErrInvalid, `row 3 (store "c"): value -1 is not above -1`},
		{"infinite", num(preprocess.NumericSpec{Name: "y"}),
			func(f *frame.Frame) { f.Num[1][4] = math.Inf(-1) }, preprocess.ErrInvalid, `row 5 (store "e"): value -Inf is not finite`},
		{"missing numeric", num(preprocess.NumericSpec{Name: "x", Impute: preprocess.Error}), nil, preprocess.ErrMissing,
			`feature "x", row 4 (store "d"): missing value`},
		{"missing level", cat(preprocess.CategoricalSpec{Name: "c1", Missing: preprocess.Reject}), nil, preprocess.ErrMissing,
			`feature "c1", row 4 (store "d"): missing value`},
		{"all missing median", num(preprocess.NumericSpec{Name: "x"}),
			func(f *frame.Frame) {
				for i := range f.Num[0] {
					f.Num[0][i] = math.NaN()
				}
			}, preprocess.ErrNoData, "nothing to compute the median from"},
		{"all missing mode", cat(preprocess.CategoricalSpec{Name: "c2", Missing: preprocess.Mode}),
			func(f *frame.Frame) {
				for i := range f.Cat[1] {
					f.Cat[1][i] = m
				}
			}, preprocess.ErrNoData, "there is no mode"},
		{"no rows", num(preprocess.NumericSpec{Name: "x"}), func(f *frame.Frame) { *f = frame.Frame{NumNames: []string{"x"}, Num: [][]float64{{}}} },
			preprocess.ErrNoData, "no rows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := small()
			if tt.edit != nil {
				tt.edit(f)
			}
			_, _, err := preprocess.Fit(tt.spec, f)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("Fit() error = %v; want %v", err, tt.kind)
			}
			if got := err.Error(); !contains(got, tt.msg) {
				t.Errorf("Fit() error = %q; want it to contain %q", got, tt.msg)
			}
		})
	}
	if _, _, err := preprocess.Fit(num(preprocess.NumericSpec{Name: "x"}), &frame.Frame{IDs: []string{"a"},
		NumNames: []string{"x"}, Num: [][]float64{{1, 2}}}); err == nil {
		t.Error("Fit(ragged frame) succeeded; want an error")
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestApplyRecordErrors(t *testing.T) {
	spec := preprocess.Spec{
		Numeric:     []preprocess.NumericSpec{{Name: "x", Min: ptr(0)}},
		Categorical: []preprocess.CategoricalSpec{{Name: "c3", Missing: preprocess.Reject}},
	}
	f := small()
	f.Cat[2] = []int32{0, 0, 1, 1, 0, 0, 1, 1}
	p, _, err := preprocess.Fit(spec, f)
	if err != nil {
		t.Fatal(err)
	}
	var row frame.Row
	for _, tt := range []struct {
		rec  frame.Record
		kind error
		msg  string
	}{
		{frame.Record{Num: []float64{1}}, preprocess.ErrBadRecord, "0 categorical values, want 1"},
		{frame.Record{Num: []float64{-1}, Cat: []string{"p"}}, preprocess.ErrInvalid, `feature "x": value -1 is below the minimum 0`},
		{frame.Record{Num: []float64{math.Inf(1)}, Cat: []string{"p"}}, preprocess.ErrInvalid, "not finite"},
		{frame.Record{Num: []float64{1}, Cat: []string{""}}, preprocess.ErrMissing, `feature "c3": missing value`},
	} {
		err := p.ApplyRecord(&row, tt.rec)
		if !errors.Is(err, tt.kind) || !contains(err.Error(), tt.msg) {
			t.Errorf("ApplyRecord(%v) error = %v; want %v containing %q", tt.rec, err, tt.kind, tt.msg)
		}
	}
}

// generated returns a raw frame of n rows with skewed numbers, missing values, rare and
// frequent levels, and a literal "other" level.
func generated(n int, seed uint64) *frame.Frame {
	r := rand.New(rand.NewPCG(seed, 1))
	f := &frame.Frame{IDName: "id", NumNames: []string{"rev", "area", "share", "age"},
		CatNames: []string{"format", "region", "city"}}
	f.Num = make([][]float64, 4)
	f.Cat = make([][]int32, 3)
	f.Levels = [][]string{{"super", "hyper", "kiosk", "other", "mall"}, {"n", "s", "e", "w"}, {}}
	for q := range 40 {
		f.Levels[2] = append(f.Levels[2], "city"+strconv.Itoa(q))
	}
	for i := range n {
		f.IDs = append(f.IDs, "s"+strconv.Itoa(i))
		vals := []float64{math.Exp(12 + 1.5*r.NormFloat64()), 50 + r.ExpFloat64()*800, r.Float64(), float64(r.IntN(60))}
		for j, v := range vals {
			if r.Float64() < 0.05 {
				v = math.NaN()
			}
			f.Num[j] = append(f.Num[j], v)
		}
		for q, lv := range f.Levels {
			c := int32(min(r.ExpFloat64()*float64(len(lv))/4, float64(len(lv)-1)))
			if r.Float64() < 0.04 {
				c = m
			}
			f.Cat[q] = append(f.Cat[q], c)
		}
	}
	return f
}

var generatedSpec = preprocess.Spec{
	Numeric: []preprocess.NumericSpec{
		{Name: "rev", Transform: preprocess.Log1p, Impute: preprocess.Median, Min: ptr(0)},
		{Name: "area", Impute: preprocess.Mean},
		{Name: "share", Transform: preprocess.Log1p, Impute: preprocess.Zero, Max: ptr(1)},
		{Name: "age", Impute: preprocess.Median},
	},
	Categorical: []preprocess.CategoricalSpec{
		{Name: "format", Missing: preprocess.Category, MinFrequency: 0.03},
		{Name: "region", Missing: preprocess.Mode},
		{Name: "city", Missing: preprocess.Category, MinFrequency: 0.01},
	},
}

// TestApplyMatchesFit checks the guarantee: Apply on the fitted frame and ApplyRecord on each
// of its rows give bit-identical results to Fit's prepared frame.
func TestApplyMatchesFit(t *testing.T) {
	raw := generated(3000, 7)
	p, prepared, err := preprocess.Fit(generatedSpec, raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := prepared.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := prepared.CheckComplete(); err != nil {
		t.Fatal(err)
	}
	applied, err := p.Apply(raw)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(prepared, applied); d != "" {
		t.Errorf("Apply differs from Fit (-fit +apply):\n%s", d)
	}
	var row frame.Row
	for i := range raw.Rows() {
		if err := p.ApplyRecord(&row, raw.Row(i)); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		for j, v := range row.Num {
			if math.Float64bits(v) != math.Float64bits(prepared.Num[j][i]) {
				t.Fatalf("row %d %s: ApplyRecord %v, Fit %v", i, prepared.NumNames[j], v, prepared.Num[j][i])
			}
		}
		for q, c := range row.Cat {
			if c != prepared.Cat[q][i] {
				t.Fatalf("row %d %s: ApplyRecord code %d, Fit %d", i, prepared.CatNames[q], c, prepared.Cat[q][i])
			}
		}
	}
}

func TestApplyRecordAllocs(t *testing.T) {
	raw := generated(500, 3)
	p, _, err := preprocess.Fit(generatedSpec, raw)
	if err != nil {
		t.Fatal(err)
	}
	rec := raw.Row(10)
	var row frame.Row
	if err := p.ApplyRecord(&row, rec); err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(100, func() { _ = p.ApplyRecord(&row, rec) }); a != 0 {
		t.Errorf("ApplyRecord allocates %v times per call; want 0", a)
	}
}
