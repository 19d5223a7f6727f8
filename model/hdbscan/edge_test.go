package hdbscan_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/storeseg/storeseg/model/hdbscan"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  hdbscan.Config
		want string // substring of the error, "" for valid
	}{
		{"zero value", hdbscan.Config{}, ""},
		{"default", hdbscan.DefaultConfig(), ""},
		{"all options", hdbscan.Config{MinClusterSize: 2, MinSamples: 1, Alpha: 0.5, Method: hdbscan.Leaf,
			Epsilon: 0.3, EpsilonMax: 0.3, AllowSingleCluster: true, MaxClusterSize: 10, Workers: 3}, ""},
		{"min cluster size 1", hdbscan.Config{MinClusterSize: 1}, "MinClusterSize"},
		{"negative min cluster size", hdbscan.Config{MinClusterSize: -4}, "MinClusterSize"},
		{"negative min samples", hdbscan.Config{MinSamples: -1}, "MinSamples"},
		{"negative alpha", hdbscan.Config{Alpha: -1}, "Alpha"},
		{"NaN alpha", hdbscan.Config{Alpha: math.NaN()}, "Alpha"},
		{"infinite alpha", hdbscan.Config{Alpha: math.Inf(1)}, "Alpha"},
		{"unknown method", hdbscan.Config{Method: 7}, "Method"},
		{"negative epsilon", hdbscan.Config{Epsilon: -0.1}, "Epsilon"},
		{"NaN epsilon", hdbscan.Config{Epsilon: math.NaN()}, "Epsilon"},
		{"epsilon max below epsilon", hdbscan.Config{Epsilon: 2, EpsilonMax: 1}, "EpsilonMax"},
		{"negative max cluster size", hdbscan.Config{MaxClusterSize: -1}, "MaxClusterSize"},
		{"negative workers", hdbscan.Config{Workers: -2}, "Workers"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Validate() = %v; want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Validate() = %v; want an error naming %s", err, tc.want)
			}
			if tc.want != "" {
				if _, err := hdbscan.Cluster(context.Background(), mat.NewDense(10, 2, nil), tc.cfg); err == nil {
					t.Error("Cluster accepted an invalid Config")
				}
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name     string
		value    float64
		sentinel error
	}{
		{"NaN", math.NaN(), hdbscan.ErrNonFinite},
		{"+Inf", math.Inf(1), hdbscan.ErrNonFinite},
		{"-Inf", math.Inf(-1), hdbscan.ErrNonFinite},
		{"huge", -1e200, hdbscan.ErrOutOfRange},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := uniform(rand.New(rand.NewPCG(4, 4)), 30, 3)
			x.Set(17, 2, tc.value)
			_, err := hdbscan.Cluster(context.Background(), x, hdbscan.Config{})
			var ie *hdbscan.InputError
			if !errors.Is(err, tc.sentinel) || !errors.As(err, &ie) || ie.Row != 17 || ie.Col != 2 {
				t.Fatalf("Cluster = %v; want an *InputError for row 17, column 2 matching %v", err, tc.sentinel)
			}
			if !strings.Contains(err.Error(), "row 17") {
				t.Errorf("error %q does not name the row", err)
			}
		})
	}
}

func TestTooFewPoints(t *testing.T) {
	for _, tc := range []struct {
		name string
		x    *mat.Dense
		mcs  int
	}{
		{"empty", &mat.Dense{}, 0},
		{"one point", mat.NewDense(1, 2, []float64{1, 2}), 2},
		{"min cluster size above n", uniform(rand.New(rand.NewPCG(5, 5)), 9, 2), 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := hdbscan.Cluster(context.Background(), tc.x, hdbscan.Config{MinClusterSize: tc.mcs})
			if !errors.Is(err, hdbscan.ErrTooFewPoints) {
				t.Fatalf("Cluster = %v; want ErrTooFewPoints", err)
			}
		})
	}
}

func TestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := hdbscan.Cluster(ctx, uniform(rand.New(rand.NewPCG(6, 6)), 200, 2), hdbscan.Config{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Cluster = %v; want context.Canceled", err)
	}
}

// TestDegenerateData covers data sets without structure: identical rows (every distance
// and core distance 0, λ = +Inf), two points, and exactly MinClusterSize rows.
func TestDegenerateData(t *testing.T) {
	same := mat.NewDense(30, 2, nil)
	for i := range 30 {
		same.SetRow(i, []float64{3, -1})
	}
	for _, tc := range []struct {
		name    string
		x       *mat.Dense
		cfg     hdbscan.Config
		wantK   int
		wantInf bool
	}{
		{"identical", same, hdbscan.Config{}, 0, true},
		{"identical single cluster", same, hdbscan.Config{AllowSingleCluster: true}, 1, true},
		{"two points", mat.NewDense(2, 1, []float64{0, 1}), hdbscan.Config{MinClusterSize: 2}, 0, false},
		{"n equals min cluster size", uniform(rand.New(rand.NewPCG(7, 7)), 5, 3), hdbscan.Config{}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := hdbscan.Cluster(context.Background(), tc.x, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			n, _ := tc.x.Dims()
			if res.NClusters != tc.wantK || len(res.Labels) != n || len(res.Persistence) != tc.wantK {
				t.Fatalf("NClusters = %d, %d labels, %d persistences; want %d, %d, %d",
					res.NClusters, len(res.Labels), len(res.Persistence), tc.wantK, n, tc.wantK)
			}
			for i, l := range res.Labels {
				if l >= res.NClusters || (res.NClusters == 0 && l != -1) {
					t.Fatalf("label[%d] = %d with %d clusters", i, l, res.NClusters)
				}
			}
			if len(res.MST) != n-1 {
				t.Errorf("MST has %d edges; want %d", len(res.MST), n-1)
			}
			if got := math.IsInf(res.Condensed[0].Lambda, 1); got != tc.wantInf {
				t.Errorf("first λ = %v; want +Inf: %v", res.Condensed[0].Lambda, tc.wantInf)
			}
			p := res.PredictionData()
			label, prob := p.ApproximatePredict(tc.x.RawRowView(0))
			if label >= res.NClusters || prob < 0 || prob > 1 {
				t.Errorf("ApproximatePredict = %d, %v", label, prob)
			}
			_ = p.OutlierScore(tc.x.RawRowView(0))
		})
	}
}

func TestPredictBadPoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	res, err := hdbscan.Cluster(context.Background(), archetypes(rng, 600, 2, 3), hdbscan.Config{MinClusterSize: 20})
	if err != nil {
		t.Fatal(err)
	}
	p := res.PredictionData()
	if l, pr := p.ApproximatePredict([]float64{math.NaN(), 0}); l != -1 || pr != 0 {
		t.Errorf("ApproximatePredict(NaN) = %d, %v; want -1, 0", l, pr)
	}
	if s := p.OutlierScore([]float64{0, math.Inf(1)}); !math.IsNaN(s) {
		t.Errorf("OutlierScore(Inf) = %v; want NaN", s)
	}
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(r.(string), "hdbscan: ") {
			t.Errorf("ApproximatePredict with 3 dims: recover() = %v; want an hdbscan panic", r)
		}
	}()
	p.ApproximatePredict([]float64{1, 2, 3})
}

// TestPredictNeverInventsLabels predicts points everywhere in and around the data and checks
// every label is one the fit produced, for every selection option.
func TestPredictNeverInventsLabels(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	x := archetypes(rng, 1200, 2, 5)
	for _, cfg := range []hdbscan.Config{
		{MinClusterSize: 15},
		{MinClusterSize: 15, Method: hdbscan.Leaf},
		{MinClusterSize: 15, Epsilon: 2},
		{MinClusterSize: 15, MaxClusterSize: 100},
		{MinClusterSize: 15, AllowSingleCluster: true, Epsilon: 5},
	} {
		res, err := hdbscan.Cluster(context.Background(), x, cfg)
		if err != nil {
			t.Fatal(err)
		}
		used := map[int]bool{-1: true}
		for _, l := range res.Labels {
			used[l] = true
		}
		p := res.PredictionData()
		for range 2000 {
			pt := []float64{rng.Float64()*40 - 20, rng.Float64()*40 - 20}
			if l, pr := p.ApproximatePredict(pt); !used[l] || pr < 0 || pr > 1 {
				t.Fatalf("%+v: ApproximatePredict(%v) = %d, %v; fit labels %v", cfg, pt, l, pr, used)
			}
		}
	}
}

func TestZeroPredictor(t *testing.T) {
	var p hdbscan.Predictor
	if p.Dims() != 0 || p.NClusters() != 0 {
		t.Errorf("zero Predictor: Dims %d, NClusters %d", p.Dims(), p.NClusters())
	}
	if _, err := p.MarshalBinary(); err == nil {
		t.Error("MarshalBinary of the zero Predictor succeeded")
	}
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(r.(string), "hdbscan: ") {
			t.Errorf("ApproximatePredict on the zero Predictor: recover() = %v; want an hdbscan panic", r)
		}
	}()
	p.ApproximatePredict(nil)
}
