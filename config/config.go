package config

import (
	"bytes"
	"crypto/sha256"
	_ "embed" // the default config
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"
)

// Version is the config format version this package reads.
const Version = 1

// Config is a segmentation config with every default filled in. Build one with Parse, Load
// or Default; a literal skips normalisation and validation.
type Config struct {
	// Version of the config format; 0 or omitted means 1.
	Version int `yaml:"version" json:"version"`
	// ID names the store id column.
	ID          string        `yaml:"id" json:"id"`
	Numeric     []Numeric     `yaml:"numeric" json:"numeric"`
	Categorical []Categorical `yaml:"categorical" json:"categorical"`
	FAMD        FAMD          `yaml:"famd" json:"famd"`
	HDBSCAN     HDBSCAN       `yaml:"hdbscan" json:"hdbscan"`
	Forest      Forest        `yaml:"forest" json:"forest"`
	Segments    Segments      `yaml:"segments" json:"segments"`
	Metrics     Metrics       `yaml:"metrics" json:"metrics"`
	Drift       Drift         `yaml:"drift" json:"drift"`
	Gate        Gate          `yaml:"gate" json:"gate"`
	// Seed seeds every random choice of a refit (the forest, the silhouette sample), so the
	// same snapshot and config give the same model. Default 0.
	Seed uint64 `yaml:"seed" json:"seed"`
}

//go:embed default.yaml
var defaultYAML []byte

// DefaultYAML returns the text of the embedded default config.
func DefaultYAML() []byte { return bytes.Clone(defaultYAML) }

// Default returns the embedded default config, which describes the columns of the synthetic
// store generator.
func Default() *Config {
	c, err := parse("default.yaml", defaultYAML)
	if err != nil {
		panic("config: embedded default is invalid: " + err.Error()) // caught by tests
	}
	return c
}

// Load reads and parses the config file at path; errors name the file.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return parse(filepath.Base(path), b)
}

// Parse parses a config from YAML.
func Parse(data []byte) (*Config, error) { return parse("", data) }

func parse(file string, data []byte) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlErrors(file, err)
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, &Error{File: file, Msg: "the config is empty"}
	}
	if root.Content[0].Kind != yaml.MappingNode {
		return nil, &Error{File: file, Line: root.Content[0].Line, Msg: "the config must be a mapping of keys to values"}
	}
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, yamlErrors(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, &Error{File: file, Line: extra.Line, Msg: "only one YAML document is allowed"}
	}
	c.normalize()
	is := &issues{file: file, root: &root}
	c.validate(is)
	if err := is.err(); err != nil {
		return nil, err
	}
	return &c, nil
}

// normalize fills in every default.
func (c *Config) normalize() {
	if c.Version == 0 {
		c.Version = Version
	}
	for i := range c.Numeric {
		c.Numeric[i].normalize()
	}
	for i := range c.Categorical {
		c.Categorical[i].normalize()
	}
	c.FAMD.normalize()
	c.HDBSCAN.normalize()
	c.Forest.normalize()
	c.Segments.normalize()
	c.Metrics.normalize()
	c.Drift.normalize()
}

func (c *Config) validate(is *issues) {
	if c.Version != Version {
		is.addf([]any{"version"}, "unsupported version %d (this build reads version %d)", c.Version, Version)
	}
	c.validateFeatures(is)
	c.FAMD.validate(is)
	c.HDBSCAN.validate(is)
	c.Forest.validate(is)
	c.Segments.validate(is)
	c.Metrics.validate(is)
	c.Drift.validate(is)
	c.Gate.validate(is)
}

// Hash returns a stable hash (hex SHA-256) of the normalised config, e.g. to tag an MLflow
// run: equal configs hash equal however they were spelled (key order, explicit defaults,
// comments).
func (c *Config) Hash() string {
	b, err := json.Marshal(c)
	if err != nil {
		panic("config: hashing: " + err.Error()) // plain structs always encode
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// YAML returns the normalised config as YAML (every default spelled out).
func (c *Config) YAML() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("config: encoding: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("config: encoding: %w", err)
	}
	return buf.Bytes(), nil
}
