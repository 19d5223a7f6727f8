package validity_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/storeseg/storeseg/model/validity"
)

// The fixtures in testdata/*.json were computed by testdata/gen_validity.py with hdbscan
// 0.8.44, scikit-learn 1.9.1, numpy 2.4.6 and scipy 1.17.1 (each file records its versions).
// Tolerance: |got − want| ≤ goldenTol · max(1, |want|), NaN only where the reference is NaN.
const goldenTol = 1e-9

// fnum is a JSON number that may also be "NaN", "Infinity" or "-Infinity".
type fnum float64

func (f *fnum) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := strconv.ParseFloat(s, 64)
		*f = fnum(v)
		return err
	}
	var v float64
	err := json.Unmarshal(b, &v)
	*f = fnum(v)
	return err
}

type refResult struct {
	Error      string          `json:"error"`
	Score      fnum            `json:"score"`
	PerCluster map[string]fnum `json:"per_cluster"`
	Samples    []fnum          `json:"samples"`
}

type relativeRef struct {
	Edges  [][3]float64 `json:"edges"`
	Labels []int        `json:"labels"`
	Score  fnum         `json:"score"`
}

type fixture struct {
	Name        string       `json:"name"`
	X           [][]float64  `json:"x"`
	Labels      []int        `json:"labels"`
	DBCV        refResult    `json:"dbcv"`
	SilAll      refResult    `json:"silhouette_all"`
	SilClusters refResult    `json:"silhouette_clusters"`
	Relative    *relativeRef `json:"relative_validity"`
}

func (f *fixture) matrix() *mat.Dense {
	d := len(f.X[0])
	m := mat.NewDense(len(f.X), d, nil)
	for i, r := range f.X {
		m.SetRow(i, r)
	}
	return m
}

func loadFixtures(t *testing.T) []*fixture {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in testdata (%v)", err)
	}
	var fs []*fixture
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f := new(fixture)
		if err := json.Unmarshal(b, f); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		fs = append(fs, f)
	}
	return fs
}

func close(got, want float64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	if math.IsInf(want, 0) {
		return got == want
	}
	return math.Abs(got-want) <= goldenTol*max(1, math.Abs(want))
}

func TestDBCVGolden(t *testing.T) {
	for _, f := range loadFixtures(t) {
		t.Run(f.Name, func(t *testing.T) {
			x := f.matrix()
			got, err := validity.DBCV(context.Background(), x, f.Labels, validity.Config{Workers: 1})
			if f.DBCV.Error != "" {
				if !errors.Is(err, validity.ErrSingletonCluster) {
					t.Fatalf("DBCV error = %v; want ErrSingletonCluster (reference: %s)", err, f.DBCV.Error)
				}
				return
			}
			if err != nil {
				t.Fatalf("DBCV: %v", err)
			}
			if want := float64(f.DBCV.Score); !close(got.Score, want) {
				t.Errorf("Score = %.17g; want %.17g", got.Score, want)
			}
			if len(got.PerCluster) != len(f.DBCV.PerCluster) {
				t.Errorf("PerCluster has %d clusters; want %d", len(got.PerCluster), len(f.DBCV.PerCluster))
			}
			for key, want := range f.DBCV.PerCluster {
				label, _ := strconv.Atoi(key)
				if g, ok := got.PerCluster[label]; !ok || !close(g, float64(want)) {
					t.Errorf("PerCluster[%d] = %.17g (present %v); want %.17g", label, g, ok, float64(want))
				}
			}
			par, err := validity.DBCV(context.Background(), x, f.Labels, validity.Config{Workers: 4})
			if err != nil {
				t.Fatalf("DBCV with 4 workers: %v", err)
			}
			assertSameDBCV(t, par, got)
		})
	}
}

func TestSilhouetteGolden(t *testing.T) {
	for _, f := range loadFixtures(t) {
		for _, exclude := range []bool{false, true} {
			ref := f.SilAll
			if exclude {
				ref = f.SilClusters
			}
			t.Run(f.Name+map[bool]string{false: "/all", true: "/clusters"}[exclude], func(t *testing.T) {
				checkSilhouette(t, f, ref, exclude)
			})
		}
	}
}

func checkSilhouette(t *testing.T, f *fixture, ref refResult, exclude bool) {
	x := f.matrix()
	cfg := validity.SilhouetteConfig{ExcludeNoise: exclude, Workers: 1}
	score, err := validity.Silhouette(context.Background(), x, f.Labels, cfg)
	if ref.Error != "" {
		if !errors.Is(err, validity.ErrLabelCount) {
			t.Fatalf("Silhouette error = %v; want ErrLabelCount (reference: %s)", err, ref.Error)
		}
		return
	}
	if err != nil {
		t.Fatalf("Silhouette: %v", err)
	}
	if want := float64(ref.Score); !close(score, want) {
		t.Errorf("Silhouette = %.17g; want %.17g", score, want)
	}
	samples, err := validity.SilhouetteSamples(context.Background(), x, f.Labels, cfg)
	if err != nil {
		t.Fatalf("SilhouetteSamples: %v", err)
	}
	k := 0
	for i, s := range samples {
		if exclude && f.Labels[i] < 0 {
			if !math.IsNaN(s) {
				t.Errorf("sample %d (noise) = %v; want NaN", i, s)
			}
			continue
		}
		if want := float64(ref.Samples[k]); !close(s, want) {
			t.Errorf("sample %d = %.17g; want %.17g", i, s, want)
		}
		k++
	}
	if k != len(ref.Samples) {
		t.Errorf("compared %d samples; reference has %d", k, len(ref.Samples))
	}
	cfg.Workers = 4
	par, err := validity.SilhouetteSamples(context.Background(), x, f.Labels, cfg)
	if err != nil {
		t.Fatalf("SilhouetteSamples with 4 workers: %v", err)
	}
	for i := range par {
		if math.Float64bits(par[i]) != math.Float64bits(samples[i]) {
			t.Fatalf("sample %d with 4 workers = %v; with 1 worker %v", i, par[i], samples[i])
		}
	}
}

func TestRelativeValidityGolden(t *testing.T) {
	n := 0
	for _, f := range loadFixtures(t) {
		if f.Relative == nil {
			continue
		}
		n++
		t.Run(f.Name, func(t *testing.T) {
			edges := make([]validity.Edge, len(f.Relative.Edges))
			for i, e := range f.Relative.Edges {
				edges[i] = validity.Edge{A: int32(e[0]), B: int32(e[1]), Weight: e[2]}
			}
			got, err := validity.RelativeValidity(edges, f.Relative.Labels)
			if err != nil {
				t.Fatalf("RelativeValidity: %v", err)
			}
			if want := float64(f.Relative.Score); !close(got, want) {
				t.Errorf("RelativeValidity = %.17g; want %.17g", got, want)
			}
		})
	}
	if n == 0 {
		t.Fatal("no fixture has relative_validity")
	}
}

func assertSameDBCV(t *testing.T, got, want *validity.DBCVResult) {
	t.Helper()
	if math.Float64bits(got.Score) != math.Float64bits(want.Score) {
		t.Errorf("Score = %v; want bitwise %v", got.Score, want.Score)
	}
	if len(got.Clusters) != len(want.Clusters) {
		t.Fatalf("%d clusters; want %d", len(got.Clusters), len(want.Clusters))
	}
	for i, c := range got.Clusters {
		w := want.Clusters[i]
		if c.Label != w.Label || c.Size != w.Size || c.Internal != w.Internal ||
			math.Float64bits(c.Sparseness) != math.Float64bits(w.Sparseness) ||
			math.Float64bits(c.Separation) != math.Float64bits(w.Separation) ||
			math.Float64bits(c.Score) != math.Float64bits(w.Score) {
			t.Errorf("cluster %d = %+v; want bitwise %+v", i, c, w)
		}
	}
}
