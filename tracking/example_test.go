package tracking_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/storeseg/storeseg/tracking"
)

// A refit records its run and promotes the model through the Tracker interface; here the
// records go to a local mlruns/ directory that MLflow's UI can open with
// MLFLOW_ALLOW_FILE_STORE=true.
func ExampleFileStore() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	ctx := context.Background()

	s, err := tracking.OpenFileStore(filepath.Join(dir, "mlruns"))
	if err != nil {
		log.Fatal(err)
	}
	var tr tracking.Tracker = s
	expID, err := tr.EnsureExperiment(ctx, "storeseg")
	if err != nil {
		log.Fatal(err)
	}
	run, err := tr.CreateRun(ctx, expID, tracking.RunSpec{Name: "refit"})
	if err != nil {
		log.Fatal(err)
	}
	err = tr.LogBatch(ctx, run.ID, tracking.Batch{
		Params:  []tracking.Param{{Key: "hdbscan.min_cluster_size", Value: "25"}},
		Metrics: []tracking.Metric{{Key: "dbcv", Value: 0.42}},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := tr.EndRun(ctx, run.ID, tracking.StatusFinished, time.Time{}); err != nil {
		log.Fatal(err)
	}
	mv, err := tr.RegisterModelVersion(ctx, "storeseg-segmenter", run.ID, "")
	if err != nil {
		log.Fatal(err)
	}
	if err := tr.SetAlias(ctx, "storeseg-segmenter", "champion", mv.Version); err != nil {
		log.Fatal(err)
	}

	champ, err := tr.ModelVersionByAlias(ctx, "storeseg-segmenter", "champion")
	if err != nil {
		log.Fatal(err)
	}
	r, err := tr.Run(ctx, champ.RunID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("champion version", champ.Version, r.Info.Status)
	fmt.Println("min_cluster_size", r.Params["hdbscan.min_cluster_size"], "dbcv", r.Metrics["dbcv"].Value)
	// Output:
	// champion version 1 FINISHED
	// min_cluster_size 25 dbcv 0.42
}

// A Client talks to an MLflow tracking server; the cmd layer reads the URI from
// MLFLOW_TRACKING_URI.
func ExampleNewClient() {
	cfg := tracking.DefaultConfig("http://127.0.0.1:5000")
	cfg.Token = os.Getenv("MLFLOW_TRACKING_TOKEN")
	c, err := tracking.NewClient(cfg, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg)
	_ = c // use as a tracking.Tracker
	// Output: tracking.Config{TrackingURI: "http://127.0.0.1:5000", auth: none, RequestTimeout: 30s, MaxRetries: 3}
}
