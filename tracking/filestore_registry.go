package tracking

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// registeredModelMeta is models/<name>/meta.yaml (mlflow/store/model_registry/file_store.py).
type registeredModelMeta struct {
	Aliases              map[string]string `yaml:"aliases"`
	CreationTimestamp    int64             `yaml:"creation_timestamp"`
	DeploymentJobID      *string           `yaml:"deployment_job_id"`
	DeploymentJobState   *string           `yaml:"deployment_job_state"`
	Description          *string           `yaml:"description"`
	LastUpdatedTimestamp int64             `yaml:"last_updated_timestamp"`
	Name                 string            `yaml:"name"`
	Workspace            string            `yaml:"workspace"`
}

// modelVersionMeta is models/<name>/version-<n>/meta.yaml.
type modelVersionMeta struct {
	CreationTimestamp    int64   `yaml:"creation_timestamp"`
	CurrentStage         string  `yaml:"current_stage"`
	DeploymentJobState   *string `yaml:"deployment_job_state"`
	Description          *string `yaml:"description"`
	LastUpdatedTimestamp int64   `yaml:"last_updated_timestamp"`
	ModelID              *string `yaml:"model_id"`
	Name                 string  `yaml:"name"`
	RunID                string  `yaml:"run_id"`
	RunLink              *string `yaml:"run_link"`
	Source               string  `yaml:"source"`
	Status               string  `yaml:"status"`
	StatusMessage        *string `yaml:"status_message"`
	StorageLocation      string  `yaml:"storage_location"`
	UserID               *string `yaml:"user_id"`
	Version              int     `yaml:"version"`
	Workspace            string  `yaml:"workspace"`
}

func (s *FileStore) modelDir(name string) string { return filepath.Join(s.root, modelsDir, name) }

// RegisterModelVersion implements Tracker.
func (s *FileStore) RegisterModelVersion(ctx context.Context, model, runID, artifactPath string) (ModelVersion, error) {
	if err := validateModelName(model); err != nil {
		return ModelVersion{}, err
	}
	rel, err := cleanArtifactPath(artifactPath)
	if err != nil {
		return ModelVersion{}, err
	}
	if err := ctx.Err(); err != nil {
		return ModelVersion{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, run, err := s.findRun(runID)
	if err != nil {
		return ModelVersion{}, err
	}
	rm, err := s.ensureRegisteredModel(model)
	if err != nil {
		return ModelVersion{}, err
	}
	now := s.now().UnixMilli()
	source := joinURI(run.ArtifactURI, rel)
	mv := modelVersionMeta{
		CreationTimestamp: now, CurrentStage: "None", LastUpdatedTimestamp: now, Name: model,
		RunID: runID, Source: source, Status: "READY", StorageLocation: source, Workspace: defaultWorkspace,
	}
	dir, err := s.newVersionDir(model, &mv.Version)
	if err != nil {
		return ModelVersion{}, err
	}
	if err := writeYAML(filepath.Join(dir, metaFile), mv); err != nil {
		return ModelVersion{}, err
	}
	rm.LastUpdatedTimestamp = now
	if err := writeYAML(filepath.Join(s.modelDir(model), metaFile), rm); err != nil {
		return ModelVersion{}, err
	}
	return mv.modelVersion(nil), nil
}

// ensureRegisteredModel reads or creates models/<name>/meta.yaml.
func (s *FileStore) ensureRegisteredModel(name string) (registeredModelMeta, error) {
	var rm registeredModelMeta
	p := filepath.Join(s.modelDir(name), metaFile)
	err := readYAML(p, &rm)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return rm, err
	}
	now := s.now().UnixMilli()
	rm = registeredModelMeta{Aliases: map[string]string{}, CreationTimestamp: now, LastUpdatedTimestamp: now,
		Name: name, Workspace: defaultWorkspace}
	return rm, writeYAML(p, rm)
}

// newVersionDir creates the next version-<n> directory; Mkdir's exclusivity makes concurrent
// registrations by other processes take distinct numbers.
func (s *FileStore) newVersionDir(model string, version *int) (string, error) {
	versions, err := s.versions(model)
	if err != nil {
		return "", err
	}
	next := 1
	if len(versions) > 0 {
		next = versions[len(versions)-1] + 1
	}
	for ; ; next++ {
		dir := filepath.Join(s.modelDir(model), "version-"+strconv.Itoa(next))
		err := os.Mkdir(dir, 0o755)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("tracking: creating version %d of %q: %w", next, model, err)
		}
		*version = next
		return dir, nil
	}
}

// versions lists a model's version numbers in increasing order.
func (s *FileStore) versions(model string) ([]int, error) {
	entries, err := os.ReadDir(s.modelDir(model))
	if err != nil {
		return nil, fmt.Errorf("tracking: listing versions of %q: %w", model, err)
	}
	var vs []int
	for _, e := range entries {
		if v, ok := strings.CutPrefix(e.Name(), "version-"); ok && e.IsDir() {
			if n, err := strconv.Atoi(v); err == nil {
				vs = append(vs, n)
			}
		}
	}
	sort.Ints(vs)
	return vs, nil
}

// SetAlias implements Tracker.
func (s *FileStore) SetAlias(ctx context.Context, model, alias, version string) error {
	if err := validateModelName(model); err != nil {
		return err
	}
	if err := validateAlias(alias); err != nil {
		return err
	}
	if err := validateVersion(version); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var rm registeredModelMeta
	if err := s.readModelMeta(model, &rm); err != nil {
		return err
	}
	if !isDir(filepath.Join(s.modelDir(model), "version-"+version)) {
		return &Error{Code: CodeResourceDoesNotExist, Op: "set alias",
			Message: fmt.Sprintf("registered model %q has no version %s", model, version)}
	}
	if err := writeFileAtomic(filepath.Join(s.modelDir(model), "aliases", alias), []byte(version)); err != nil {
		return err
	}
	if rm.Aliases == nil {
		rm.Aliases = map[string]string{}
	}
	rm.Aliases[alias] = version
	rm.LastUpdatedTimestamp = s.now().UnixMilli()
	return writeYAML(filepath.Join(s.modelDir(model), metaFile), rm)
}

func (s *FileStore) readModelMeta(model string, rm *registeredModelMeta) error {
	err := readYAML(filepath.Join(s.modelDir(model), metaFile), rm)
	if errors.Is(err, fs.ErrNotExist) {
		return &Error{Code: CodeResourceDoesNotExist, Op: "registered model " + model,
			Message: fmt.Sprintf("registered model %q not found", model)}
	}
	return err
}

// ModelVersionByAlias implements Tracker. The aliases/<alias> files are authoritative, as in
// MLflow; the aliases map in meta.yaml is a copy.
func (s *FileStore) ModelVersionByAlias(ctx context.Context, model, alias string) (ModelVersion, error) {
	if err := validateModelName(model); err != nil {
		return ModelVersion{}, err
	}
	if err := validateAlias(alias); err != nil {
		return ModelVersion{}, err
	}
	if err := ctx.Err(); err != nil {
		return ModelVersion{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var rm registeredModelMeta
	if err := s.readModelMeta(model, &rm); err != nil {
		return ModelVersion{}, err
	}
	aliases, err := readTree(filepath.Join(s.modelDir(model), "aliases"))
	if err != nil {
		return ModelVersion{}, err
	}
	version, ok := aliases[alias]
	if !ok {
		return ModelVersion{}, &Error{Code: CodeResourceDoesNotExist, Op: "alias " + alias,
			Message: fmt.Sprintf("registered model %q has no alias %q", model, alias)}
	}
	var mv modelVersionMeta
	if err := readYAML(filepath.Join(s.modelDir(model), "version-"+strings.TrimSpace(version), metaFile), &mv); err != nil {
		return ModelVersion{}, fmt.Errorf("reading version %s of %q (alias %q): %w", version, model, alias, err)
	}
	return mv.modelVersion(aliases), nil
}

// modelVersion converts; aliases (alias → version) supplies the version's aliases.
func (mv modelVersionMeta) modelVersion(aliases map[string]string) ModelVersion {
	v := strconv.Itoa(mv.Version)
	out := ModelVersion{Model: mv.Name, Version: v, RunID: mv.RunID, Source: mv.Source,
		Status: mv.Status, CreationTime: fromMillis(mv.CreationTimestamp)}
	for a, av := range aliases {
		if strings.TrimSpace(av) == v {
			out.Aliases = append(out.Aliases, a)
		}
	}
	sort.Strings(out.Aliases)
	return out
}
