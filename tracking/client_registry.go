package tracking

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// RegisterModelVersion implements Tracker: the registered model is created if absent and the
// version's source is the run's artifact URI joined with artifactPath.
func (c *Client) RegisterModelVersion(ctx context.Context, model, runID, artifactPath string) (ModelVersion, error) {
	if err := validateModelName(model); err != nil {
		return ModelVersion{}, err
	}
	if err := validateRunID(runID); err != nil {
		return ModelVersion{}, err
	}
	rel, err := cleanArtifactPath(artifactPath)
	if err != nil {
		return ModelVersion{}, err
	}
	uri, err := c.runArtifactURI(ctx, runID)
	if err != nil {
		return ModelVersion{}, err
	}
	err = c.callJSON(ctx, http.MethodPost, apiPath("registered-models/create"), nil, map[string]string{"name": model}, nil)
	if err != nil && !errors.Is(err, ErrAlreadyExists) {
		return ModelVersion{}, fmt.Errorf("creating registered model %q: %w", model, err)
	}
	in := map[string]string{"name": model, "source": joinURI(uri, rel), "run_id": runID}
	var out struct {
		ModelVersion wireModelVersion `json:"model_version"`
	}
	if err := c.callJSON(ctx, http.MethodPost, apiPath("model-versions/create"), nil, in, &out); err != nil {
		return ModelVersion{}, fmt.Errorf("registering run %s as a version of %q: %w", runID, model, err)
	}
	return out.ModelVersion.modelVersion(), nil
}

// SetAlias implements Tracker.
func (c *Client) SetAlias(ctx context.Context, model, alias, version string) error {
	if err := validateModelName(model); err != nil {
		return err
	}
	if err := validateAlias(alias); err != nil {
		return err
	}
	if err := validateVersion(version); err != nil {
		return err
	}
	in := map[string]string{"name": model, "alias": alias, "version": version}
	if err := c.callJSON(ctx, http.MethodPost, apiPath("registered-models/alias"), nil, in, nil); err != nil {
		return fmt.Errorf("pointing alias %q of %q at version %s: %w", alias, model, version, err)
	}
	return nil
}

// ModelVersionByAlias implements Tracker. It reads the registered model's aliases first, so a
// missing alias is told apart from other failures without parsing MLflow's messages.
func (c *Client) ModelVersionByAlias(ctx context.Context, model, alias string) (ModelVersion, error) {
	if err := validateModelName(model); err != nil {
		return ModelVersion{}, err
	}
	if err := validateAlias(alias); err != nil {
		return ModelVersion{}, err
	}
	var rm struct {
		RegisteredModel wireRegisteredModel `json:"registered_model"`
	}
	if err := c.callJSON(ctx, http.MethodGet, apiPath("registered-models/get"), url.Values{"name": {model}}, nil, &rm); err != nil {
		return ModelVersion{}, fmt.Errorf("reading alias %q of %q: %w", alias, model, err)
	}
	version := ""
	for _, a := range rm.RegisteredModel.Aliases {
		if a.Alias == alias {
			version = a.Version
		}
	}
	if version == "" {
		return ModelVersion{}, &Error{Code: CodeResourceDoesNotExist, Op: "alias " + alias,
			Message: fmt.Sprintf("registered model %q has no alias %q", model, alias)}
	}
	var out struct {
		ModelVersion wireModelVersion `json:"model_version"`
	}
	q := url.Values{"name": {model}, "version": {version}}
	if err := c.callJSON(ctx, http.MethodGet, apiPath("model-versions/get"), q, nil, &out); err != nil {
		return ModelVersion{}, fmt.Errorf("reading version %s of %q (alias %q): %w", version, model, alias, err)
	}
	return out.ModelVersion.modelVersion(), nil
}

// joinURI appends a relative '/'-separated path to an artifact URI.
func joinURI(uri, rel string) string {
	if rel == "" {
		return uri
	}
	return strings.TrimRight(uri, "/") + "/" + rel
}
