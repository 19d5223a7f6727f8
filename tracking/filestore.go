package tracking

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// File-store layout names (mlflow/store/tracking/file_store.py).
const (
	metaFile         = "meta.yaml"
	trashDir         = ".trash"
	modelsDir        = "models"
	defaultExpID     = "0"
	defaultWorkspace = "default"
	sourceTypeLocal  = 4 // SourceType.LOCAL, what MLflow writes for every run
	experimentIDLen  = 18
)

// FileStore writes runs into a local directory in MLflow's file-store layout (mlruns/).
// MLflow ≥ 3.13 reads it only with MLFLOW_ALLOW_FILE_STORE=true. It is safe for concurrent
// use by one process; separate processes may create runs and versions side by side.
type FileStore struct {
	root string // absolute
	now  func() time.Time
	mu   sync.Mutex // serialises writes
}

// experimentMeta is an experiment's meta.yaml; fields in the sorted order MLflow writes them.
type experimentMeta struct {
	ArtifactLocation                string  `yaml:"artifact_location"`
	CreationTime                    int64   `yaml:"creation_time"`
	EffectiveTraceArchivalRetention *string `yaml:"effective_trace_archival_retention"`
	ExperimentID                    string  `yaml:"experiment_id"`
	LastUpdateTime                  int64   `yaml:"last_update_time"`
	LifecycleStage                  string  `yaml:"lifecycle_stage"`
	Name                            string  `yaml:"name"`
	TraceLocation                   *string `yaml:"trace_location"`
	Workspace                       string  `yaml:"workspace"`
}

// runMeta is a run's meta.yaml.
type runMeta struct {
	ArtifactURI    string   `yaml:"artifact_uri"`
	EndTime        *int64   `yaml:"end_time"`
	EntryPointName string   `yaml:"entry_point_name"`
	ExperimentID   string   `yaml:"experiment_id"`
	LifecycleStage string   `yaml:"lifecycle_stage"`
	RunID          string   `yaml:"run_id"`
	RunName        string   `yaml:"run_name"`
	SourceName     string   `yaml:"source_name"`
	SourceType     int      `yaml:"source_type"`
	SourceVersion  string   `yaml:"source_version"`
	StartTime      int64    `yaml:"start_time"`
	Status         int      `yaml:"status"`
	Tags           []string `yaml:"tags"`
	UserID         string   `yaml:"user_id"`
}

// OpenFileStore opens (creating if needed) the file store rooted at dir, e.g. "mlruns". A new
// store gets MLflow's "Default" experiment 0, as MLflow creates it.
func OpenFileStore(dir string) (*FileStore, error) {
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("tracking: file store %s: %w", dir, err)
	}
	s := &FileStore{root: root, now: time.Now}
	st, err := os.Stat(root)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(root, 0o755); err != nil {
			return nil, fmt.Errorf("tracking: creating file store: %w", err)
		}
		if _, err := s.createExperiment(defaultExpID, "Default"); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("tracking: opening file store: %w", err)
	case !st.IsDir():
		return nil, invalidf("file store %s is not a directory", root)
	}
	if err := os.MkdirAll(filepath.Join(root, trashDir), 0o755); err != nil {
		return nil, fmt.Errorf("tracking: creating file store: %w", err)
	}
	return s, nil
}

// Root is the store's absolute directory.
func (s *FileStore) Root() string { return s.root }

// URI is the store's tracking URI (file:///...), for MLflow's client and UI.
func (s *FileStore) URI() string { return fileURI(s.root) }

// EnsureExperiment implements Tracker.
func (s *FileStore) EnsureExperiment(ctx context.Context, name string) (string, error) {
	if err := validateExperimentName(name); err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, parent := range []string{s.root, filepath.Join(s.root, trashDir)} {
		metas, err := s.experiments(parent)
		if err != nil {
			return "", err
		}
		for _, m := range metas {
			if m.Name != name {
				continue
			}
			if parent != s.root || m.LifecycleStage != "active" {
				return "", &Error{Code: CodeInvalidState, Op: "experiment " + name,
					Message: "the experiment is deleted; restore it or remove it from " + trashDir}
			}
			return m.ExperimentID, nil
		}
	}
	for {
		id, err := newExperimentID()
		if err != nil {
			return "", err
		}
		id, err = s.createExperiment(id, name)
		if errors.Is(err, fs.ErrExist) {
			continue // id collision: draw again
		}
		return id, err
	}
}

// experiments reads the meta.yaml of every experiment directory under parent.
func (s *FileStore) experiments(parent string) ([]experimentMeta, error) {
	entries, err := os.ReadDir(parent)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("tracking: listing experiments: %w", err)
	}
	var out []experimentMeta
	for _, e := range entries {
		if !e.IsDir() || e.Name() == trashDir || e.Name() == modelsDir {
			continue
		}
		var m experimentMeta
		if err := readYAML(filepath.Join(parent, e.Name(), metaFile), &m); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // not an experiment
			}
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// createExperiment makes the directory and meta.yaml of a new experiment; fs.ErrExist if the
// id is taken.
func (s *FileStore) createExperiment(id, name string) (string, error) {
	dir := filepath.Join(s.root, id)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", fmt.Errorf("tracking: creating experiment %q: %w", name, err)
	}
	now := s.now().UnixMilli()
	m := experimentMeta{
		ArtifactLocation: fileURI(dir), CreationTime: now, ExperimentID: id, LastUpdateTime: now,
		LifecycleStage: "active", Name: name, Workspace: defaultWorkspace,
	}
	if err := writeYAML(filepath.Join(dir, metaFile), m); err != nil {
		return "", err
	}
	return id, nil
}

// newExperimentID draws an 18-digit id without a leading zero, like MLflow's
// _generate_unique_integer_id.
func newExperimentID() (string, error) {
	lo := new(big.Int).Exp(big.NewInt(10), big.NewInt(experimentIDLen-1), nil)
	span := new(big.Int).Mul(lo, big.NewInt(9))
	n, err := rand.Int(rand.Reader, span)
	if err != nil {
		return "", fmt.Errorf("tracking: drawing an experiment id: %w", err)
	}
	return n.Add(n, lo).String(), nil
}

// newRunID is a random UUID4 in hex, like MLflow's run ids.
func newRunID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("tracking: drawing a run id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return hex.EncodeToString(b[:]), nil
}

// CreateRun implements Tracker. An empty spec.Name becomes "run-" and the id's first 8 digits.
func (s *FileStore) CreateRun(ctx context.Context, experimentID string, spec RunSpec) (RunInfo, error) {
	if err := validateExperimentID(experimentID); err != nil {
		return RunInfo{}, err
	}
	tags := mapTags(spec.Tags)
	if err := validateBatch(Batch{Tags: tags}); err != nil {
		return RunInfo{}, fmt.Errorf("creating run %q: %w", spec.Name, err)
	}
	if err := ctx.Err(); err != nil {
		return RunInfo{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var exp experimentMeta
	if err := readYAML(filepath.Join(s.root, experimentID, metaFile), &exp); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return RunInfo{}, &Error{Code: CodeResourceDoesNotExist, Op: "create run",
				Message: fmt.Sprintf("no active experiment with id %s", experimentID)}
		}
		return RunInfo{}, err
	}
	id, err := newRunID()
	if err != nil {
		return RunInfo{}, err
	}
	name := spec.Name
	if name == "" {
		name = spec.Tags[TagRunName]
	}
	if name == "" {
		name = "run-" + id[:8]
	}
	dir := filepath.Join(s.root, experimentID, id)
	for _, sub := range []string{"metrics", "params", "artifacts", "tags"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return RunInfo{}, fmt.Errorf("tracking: creating run: %w", err)
		}
	}
	m := runMeta{
		ArtifactURI: joinURI(exp.ArtifactLocation, id+"/artifacts"), ExperimentID: experimentID,
		LifecycleStage: "active", RunID: id, RunName: name, SourceType: sourceTypeLocal,
		StartTime: millis(spec.StartTime, s.now), Status: 1, Tags: []string{}, UserID: spec.Tags[TagUser],
	}
	if err := writeYAML(filepath.Join(dir, metaFile), m); err != nil {
		return RunInfo{}, err
	}
	if _, ok := spec.Tags[TagRunName]; !ok {
		tags = append(tags, Tag{Key: TagRunName, Value: name})
	}
	for _, t := range tags {
		if err := writeFileAtomic(filepath.Join(dir, "tags", filepath.FromSlash(t.Key)), []byte(t.Value)); err != nil {
			return RunInfo{}, err
		}
	}
	return m.info(), nil
}

func (m runMeta) info() RunInfo {
	ri := RunInfo{
		ID: m.RunID, ExperimentID: m.ExperimentID, Name: m.RunName, ArtifactURI: m.ArtifactURI,
		Status: statusFromFileCode(m.Status), StartTime: fromMillis(m.StartTime),
	}
	if m.EndTime != nil {
		ri.EndTime = fromMillis(*m.EndTime)
	}
	return ri
}

// findRun returns the directory and meta.yaml of a run in any experiment (active or deleted),
// checking the run-directory structure as MLflow does.
func (s *FileStore) findRun(runID string) (string, runMeta, error) {
	if err := validateRunID(runID); err != nil {
		return "", runMeta{}, err
	}
	for _, parent := range []string{s.root, filepath.Join(s.root, trashDir)} {
		entries, err := os.ReadDir(parent)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !e.IsDir() || e.Name() == trashDir || e.Name() == modelsDir {
				continue
			}
			dir := filepath.Join(parent, e.Name(), runID)
			if !isDir(filepath.Join(dir, "metrics")) || !isDir(filepath.Join(dir, "params")) || !isDir(filepath.Join(dir, "artifacts")) {
				continue
			}
			var m runMeta
			if err := readYAML(filepath.Join(dir, metaFile), &m); err != nil {
				return "", runMeta{}, err
			}
			if m.RunID != runID || m.ExperimentID != e.Name() {
				return "", runMeta{}, &Error{Code: CodeInvalidState, Op: "run " + runID, Message: "run metadata is inconsistent with its directory"}
			}
			return dir, m, nil
		}
	}
	return "", runMeta{}, &Error{Code: CodeResourceDoesNotExist, Op: "run " + runID, Message: fmt.Sprintf("run %q not found", runID)}
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// fileURI is MLflow's file:// URI for an absolute path.
func fileURI(abs string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

// uriPath is the inverse of fileURI.
func uriPath(uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "file" || (u.Host != "" && u.Host != "localhost") {
		return "", fmt.Errorf("tracking: artifact location %q is not a local file URI: %w", uri, ErrArtifactStore)
	}
	return filepath.FromSlash(u.Path), nil
}

func readYAML(p string, v any) error {
	b, err := os.ReadFile(p)
	if err != nil {
		return fmt.Errorf("tracking: %w", err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		return fmt.Errorf("tracking: parsing %s: %w", p, err)
	}
	return nil
}

func writeYAML(p string, v any) error {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("tracking: encoding %s: %w", p, err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("tracking: encoding %s: %w", p, err)
	}
	return writeFileAtomic(p, buf.Bytes())
}

// writeFileAtomic replaces p with data through a temporary file and a rename, creating the
// parent directories.
func writeFileAtomic(p string, data []byte) (err error) {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("tracking: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".tmp*")
	if err != nil {
		return fmt.Errorf("tracking: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(f.Name()) // best effort: a leftover temp file is skipped by readers
		}
	}()
	if _, err := f.Write(data); err != nil {
		_ = f.Close() // the write error is the one to report
		return fmt.Errorf("tracking: writing %s: %w", p, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("tracking: writing %s: %w", p, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("tracking: %w", err)
	}
	if err := os.Rename(f.Name(), p); err != nil {
		return fmt.Errorf("tracking: %w", err)
	}
	return nil
}

// readTree reads every file under dir into key → content, keys '/'-separated (nested keys
// such as "a/b" are subdirectories, as in MLflow). Temporary files are skipped.
func readTree(dir string) (map[string]string, error) {
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() || isTempName(d.Name()) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("tracking: reading %s: %w", dir, err)
	}
	return out, nil
}

// isTempName reports a temporary file of writeFileAtomic or copyFile (".<name>.tmp<digits>").
func isTempName(name string) bool {
	i := strings.LastIndex(name, ".tmp")
	if !strings.HasPrefix(name, ".") || i < 1 {
		return false
	}
	_, err := strconv.ParseUint(name[i+len(".tmp"):], 10, 64)
	return err == nil
}
