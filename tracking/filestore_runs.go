package tracking

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// LogBatch implements Tracker. Like MLflow, a param that already has a different value is
// an error; unlike MLflow's file store, that is checked before anything is written.
func (s *FileStore) LogBatch(ctx context.Context, runID string, b Batch) error {
	if err := validateBatch(b); err != nil {
		return fmt.Errorf("logging to run %s: %w", runID, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	dir, m, err := s.findRun(runID)
	if err != nil {
		return err
	}
	if m.LifecycleStage != "active" {
		return &Error{Code: CodeInvalidState, Op: "log batch", Message: fmt.Sprintf("run %s is deleted", runID)}
	}
	var fresh []Param // params not logged yet; an identical value already there is a no-op
	for _, p := range dedupeParams(b.Params) {
		old, err := os.ReadFile(filepath.Join(dir, "params", filepath.FromSlash(p.Key)))
		switch {
		case err != nil:
			fresh = append(fresh, p)
		case string(old) != p.Value:
			return &Error{Code: CodeInvalidParameterValue, Op: "log batch", Message: fmt.Sprintf(
				"changing param values is not allowed: param %q of run %s is %q, not %q", p.Key, runID, old, p.Value)}
		}
	}
	for _, p := range fresh {
		if err := writeFileAtomic(filepath.Join(dir, "params", filepath.FromSlash(p.Key)), []byte(p.Value)); err != nil {
			return err
		}
	}
	if err := s.appendMetrics(dir, b.Metrics); err != nil {
		return err
	}
	for _, t := range b.Tags {
		p := filepath.Join(dir, "tags", filepath.FromSlash(t.Key))
		if old, err := os.ReadFile(p); err == nil && string(old) == t.Value {
			continue // unchanged: spare the rewrite
		}
		if err := writeFileAtomic(p, []byte(t.Value)); err != nil {
			return err
		}
		if t.Key == TagRunName {
			m.RunName = t.Value
			if err := writeYAML(filepath.Join(dir, metaFile), m); err != nil {
				return err
			}
		}
	}
	return nil
}

// appendMetrics adds one "timestamp value step" line per metric to metrics/<key>.
func (s *FileStore) appendMetrics(dir string, ms []Metric) error {
	lines := map[string]*strings.Builder{}
	var order []string
	for _, m := range ms {
		sb, ok := lines[m.Key]
		if !ok {
			sb = &strings.Builder{}
			lines[m.Key] = sb
			order = append(order, m.Key)
		}
		fmt.Fprintf(sb, "%d %s %d\n", millis(m.Timestamp, s.now), formatFloat(m.Value), m.Step)
	}
	for _, key := range order {
		p := filepath.Join(dir, "metrics", filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("tracking: %w", err)
		}
		f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return fmt.Errorf("tracking: %w", err)
		}
		_, werr := io.WriteString(f, lines[key].String())
		if err := errors.Join(werr, f.Close()); err != nil {
			return fmt.Errorf("tracking: appending metric %q: %w", key, err)
		}
	}
	return nil
}

// EndRun implements Tracker.
func (s *FileStore) EndRun(ctx context.Context, runID string, status RunStatus, end time.Time) error {
	code, ok := status.fileCode()
	if !ok {
		return invalidf("ending run %s: unknown status %q", runID, status)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	dir, m, err := s.findRun(runID)
	if err != nil {
		return err
	}
	endMs := millis(end, s.now)
	m.Status, m.EndTime = code, &endMs
	return writeYAML(filepath.Join(dir, metaFile), m)
}

// Run implements Tracker.
func (s *FileStore) Run(ctx context.Context, runID string) (Run, error) {
	if err := ctx.Err(); err != nil {
		return Run{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	dir, m, err := s.findRun(runID)
	if err != nil {
		return Run{}, err
	}
	r := Run{Info: m.info(), Metrics: map[string]Metric{}}
	if r.Params, err = readTree(filepath.Join(dir, "params")); err != nil {
		return Run{}, err
	}
	if r.Tags, err = readTree(filepath.Join(dir, "tags")); err != nil {
		return Run{}, err
	}
	files, err := readTree(filepath.Join(dir, "metrics"))
	if err != nil {
		return Run{}, err
	}
	for key, content := range files {
		if err := parseMetricLines(r.Metrics, key, content); err != nil {
			return Run{}, fmt.Errorf("tracking: run %s: %w", runID, err)
		}
	}
	return r, nil
}

// parseMetricLines keeps the latest observation of metric key from a metrics file (lines of
// 2, 3 or 5 space-separated fields, as MLflow reads them).
func parseMetricLines(dst map[string]Metric, key, content string) error {
	n := 0
	for i, line := range strings.Split(strings.TrimRight(content, "\n"), "\n") {
		f := strings.Split(strings.TrimSpace(line), " ")
		if len(f) != 2 && len(f) != 3 && len(f) != 5 {
			return fmt.Errorf("metric %q line %d: %d fields, want 2, 3 or 5", key, i+1, len(f))
		}
		ts, err1 := strconv.ParseInt(f[0], 10, 64)
		v, err2 := strconv.ParseFloat(f[1], 64)
		var step int64
		var err3 error
		if len(f) == 3 {
			step, err3 = strconv.ParseInt(f[2], 10, 64)
		}
		if err := errors.Join(err1, err2, err3); err != nil {
			return fmt.Errorf("metric %q line %d: %w", key, i+1, err)
		}
		keepLatest(dst, Metric{Key: key, Value: v, Timestamp: time.UnixMilli(ts), Step: step})
		n++
	}
	if n == 0 {
		return fmt.Errorf("metric %q has no data", key)
	}
	return nil
}

// LogArtifacts implements Tracker by copying into the run's artifact directory.
func (s *FileStore) LogArtifacts(ctx context.Context, runID, localPath, artifactPath string) error {
	dst, err := cleanArtifactPath(artifactPath)
	if err != nil {
		return err
	}
	files, err := collectFiles(localPath, dst)
	if err != nil {
		return err
	}
	s.mu.Lock()
	_, m, err := s.findRun(runID)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	root, err := uriPath(m.ArtifactURI)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := copyFile(f.path, filepath.Join(root, filepath.FromSlash(f.rel))); err != nil {
			return fmt.Errorf("tracking: copying %s to run %s as %s: %w", f.path, runID, f.rel, err)
		}
	}
	return nil
}

// copyFile copies src to dst through a temporary file and a rename.
func copyFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }() // read-only
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(out.Name()) // best effort: a leftover temp file is skipped by readers
		}
	}()
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close() // the copy error is the one to report
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	if err := os.Chmod(out.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(out.Name(), dst)
}
