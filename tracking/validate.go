package tracking

import (
	"math"
	"path"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MLflow 3.x limits (mlflow/utils/validation.py). Lengths count characters, not bytes.
const (
	MaxKeyLength          = 250
	MaxParamValueLength   = 6000
	MaxTagValueLength     = 8000
	MaxExperimentNameLen  = 500
	MaxAliasLength        = 255
	MaxMetricsPerBatch    = 1000
	MaxParamsPerBatch     = 100
	MaxTagsPerBatch       = 100
	MaxEntitiesPerBatch   = 1000
	MaxBatchRequestBytes  = 1_000_000
	maxRunIDLength        = 256
	maxExperimentIDLength = 64
)

var (
	// keyChars is MLflow's ^[/\w.\- :]*$ with Python's Unicode-aware \w.
	keyChars       = regexp.MustCompile(`^[/\p{L}\p{N}_.\- :]*$`)
	runIDRe        = regexp.MustCompile(`^[a-zA-Z0-9][\w\-]{0,255}$`)
	experimentIDRe = regexp.MustCompile(`^[a-zA-Z0-9][\w\-]{0,63}$`)
	aliasRe        = regexp.MustCompile(`^[\p{L}\p{N}_\-]*$`)
	versionAliasRe = regexp.MustCompile(`^[vV]\d+$`)
	versionRe      = regexp.MustCompile(`^[1-9][0-9]{0,18}$`)
)

// validateKey checks a param, metric or tag key the way MLflow does.
func validateKey(kind, key string) error {
	switch {
	case key == "":
		return invalidf("%s key is empty", kind)
	case utf8.RuneCountInString(key) > MaxKeyLength:
		return invalidf("%s key %.40q… has %d characters (limit %d)", kind, key, utf8.RuneCountInString(key), MaxKeyLength)
	case !keyChars.MatchString(key):
		return invalidf("%s key %q: only letters, digits, '_', '-', '.', ' ', ':' and '/' are allowed", kind, key)
	case pathNotUnique(key):
		return invalidf("%s key %q would resolve to another name as a file path (%q)", kind, key, path.Clean(key))
	}
	return nil
}

// pathNotUnique mirrors MLflow's path_not_unique: the name must be its own normal form.
func pathNotUnique(name string) bool {
	norm := path.Clean(name)
	return norm != name || norm == "." || strings.HasPrefix(norm, "..") || strings.HasPrefix(norm, "/")
}

func validateLen(what, v string, limit int) error {
	if n := utf8.RuneCountInString(v); n > limit {
		return invalidf("%s has %d characters (limit %d)", what, n, limit)
	}
	return nil
}

// validateBatch checks every record of b and that no param key has two values.
func validateBatch(b Batch) error {
	seen := make(map[string]string, len(b.Params))
	for i, p := range b.Params {
		if err := validateKey("param", p.Key); err != nil {
			return err
		}
		if err := validateLen("param "+quote(p.Key)+" value", p.Value, MaxParamValueLength); err != nil {
			return err
		}
		if prev, dup := seen[p.Key]; dup && prev != p.Value {
			return invalidf("param %q given twice with different values (params[%d])", p.Key, i)
		}
		seen[p.Key] = p.Value
	}
	for _, m := range b.Metrics {
		if err := validateKey("metric", m.Key); err != nil {
			return err
		}
		if !m.Timestamp.IsZero() && m.Timestamp.UnixMilli() < 0 {
			return invalidf("metric %q: timestamp %s is before 1970", m.Key, m.Timestamp)
		}
	}
	for _, t := range b.Tags {
		if err := validateKey("tag", t.Key); err != nil {
			return err
		}
		if err := validateLen("tag "+quote(t.Key)+" value", t.Value, MaxTagValueLength); err != nil {
			return err
		}
	}
	return nil
}

// dedupeParams drops repeated identical params (validateBatch rejected conflicting ones);
// MLflow refuses a request that names a param key twice.
func dedupeParams(ps []Param) []Param {
	seen := make(map[string]bool, len(ps))
	out := ps[:0:0]
	for _, p := range ps {
		if !seen[p.Key] {
			seen[p.Key] = true
			out = append(out, p)
		}
	}
	return out
}

func quote(s string) string { return "\"" + s + "\"" }

func validateExperimentName(name string) error {
	if strings.TrimSpace(name) == "" {
		return invalidf("experiment name is empty")
	}
	return validateLen("experiment name", name, MaxExperimentNameLen)
}

func validateRunID(id string) error {
	if !runIDRe.MatchString(id) {
		return invalidf("run id %q is not a valid MLflow run id", id)
	}
	return nil
}

func validateExperimentID(id string) error {
	if !experimentIDRe.MatchString(id) {
		return invalidf("experiment id %q is not a valid MLflow experiment id", id)
	}
	return nil
}

// validateModelName mirrors MLflow's _validate_model_name.
func validateModelName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return invalidf("registered model name is empty")
	case strings.ContainsAny(name, "/:"):
		return invalidf("registered model name %q: names cannot contain '/' or ':'", name)
	case pathNotUnique(name):
		return invalidf("registered model name %q would resolve to another name as a file path", name)
	}
	return nil
}

// validateAlias mirrors MLflow's alias rules, including the reserved names.
func validateAlias(alias string) error {
	switch {
	case alias == "":
		return invalidf("model alias is empty")
	case !aliasRe.MatchString(alias):
		return invalidf("model alias %q: only letters, digits, '_' and '-' are allowed", alias)
	case utf8.RuneCountInString(alias) > MaxAliasLength:
		return invalidf("model alias has %d characters (limit %d)", utf8.RuneCountInString(alias), MaxAliasLength)
	case strings.EqualFold(alias, "latest"), versionAliasRe.MatchString(alias):
		return invalidf("model alias %q is reserved by MLflow", alias)
	}
	return nil
}

func validateVersion(v string) error {
	if !versionRe.MatchString(v) {
		return invalidf("model version %q is not a positive integer", v)
	}
	return nil
}

// cleanArtifactPath validates a relative artifact path ("" for the root) and returns it
// without leading, trailing or doubled slashes.
func cleanArtifactPath(p string) (string, error) {
	if p == "" || p == "." {
		return "", nil
	}
	if strings.ContainsAny(p, "\\#\x00") || strings.HasPrefix(p, "/") {
		return "", invalidf("artifact path %q must be relative, with '/' separators and no '#'", p)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return "", invalidf("artifact path %q must not contain '..'", p)
		}
	}
	c := path.Clean(p)
	if c == "." {
		return "", nil
	}
	return c, nil
}

// formatFloat renders a metric value for the file store the way Python's str(float) reads
// back: nan, inf, -inf, or the shortest decimal that round-trips.
func formatFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
