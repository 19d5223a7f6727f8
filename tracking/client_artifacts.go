package tracking

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// ErrArtifactStore means a run's artifacts live somewhere the client cannot write: the server
// does not proxy them (it was not started with --serve-artifacts).
var ErrArtifactStore = errors.New("tracking: run artifacts are not served by the tracking server")

// artifactsAPI is the artifact proxy's upload endpoint prefix.
const artifactsAPI = "/api/2.0/mlflow-artifacts/artifacts/"

// localFile is one file to copy into a run's artifacts.
type localFile struct {
	path string // on disk
	rel  string // artifact path under the run's artifact root, '/'-separated
	size int64
}

// LogArtifacts implements Tracker: each file is streamed with one PUT through the server's
// artifact proxy (retried like any request, re-reading the file).
func (c *Client) LogArtifacts(ctx context.Context, runID, localPath, artifactPath string) error {
	if err := validateRunID(runID); err != nil {
		return err
	}
	dst, err := cleanArtifactPath(artifactPath)
	if err != nil {
		return err
	}
	files, err := collectFiles(localPath, dst)
	if err != nil {
		return err
	}
	uri, err := c.runArtifactURI(ctx, runID)
	if err != nil {
		return err
	}
	root, err := proxyRoot(uri)
	if err != nil {
		return fmt.Errorf("run %s: %w", runID, err)
	}
	for _, f := range files {
		if err := c.upload(ctx, root, f); err != nil {
			return fmt.Errorf("uploading %s to run %s as %s: %w", f.path, runID, f.rel, err)
		}
	}
	return nil
}

func (c *Client) upload(ctx context.Context, root string, f localFile) error {
	r := request{
		method:      http.MethodPut,
		path:        artifactsAPI + escapePath(path.Join(root, f.rel)),
		contentType: "application/octet-stream",
		timeout:     c.cfg.UploadTimeout,
		body: func() (io.ReadCloser, int64, error) {
			fh, err := os.Open(f.path)
			if err != nil {
				return nil, 0, fmt.Errorf("tracking: %w", err)
			}
			st, err := fh.Stat()
			if err != nil {
				_ = fh.Close() // read-only, unused
				return nil, 0, fmt.Errorf("tracking: %w", err)
			}
			return fh, st.Size(), nil
		},
	}
	_, err := c.do(ctx, r)
	return err
}

// proxyRoot turns a run's artifact URI (mlflow-artifacts:/<exp>/<run>/artifacts, or with a
// host) into the proxy path of its root.
func proxyRoot(artifactURI string) (string, error) {
	u, err := url.Parse(artifactURI)
	if err != nil || u.Scheme != "mlflow-artifacts" {
		return "", fmt.Errorf("artifact URI %q (start the server with --serve-artifacts): %w", artifactURI, ErrArtifactStore)
	}
	root := strings.Trim(u.Path, "/")
	if root == "" {
		return "", fmt.Errorf("artifact URI %q has no path: %w", artifactURI, ErrArtifactStore)
	}
	return root, nil
}

// escapePath escapes each segment of a '/'-separated path.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// collectFiles lists the regular files (or symlinks to them) at localPath: the file itself
// as dst/<base name>, or a directory's files as dst/<path inside it>, in lexical order.
// Symlinked directories are not followed.
func collectFiles(localPath, dst string) ([]localFile, error) {
	st, err := os.Stat(localPath)
	if err != nil {
		return nil, fmt.Errorf("tracking: artifacts: %w", err)
	}
	if st.Mode().IsRegular() {
		return []localFile{{path: localPath, rel: path.Join(dst, filepath.Base(localPath)), size: st.Size()}}, nil
	}
	if !st.IsDir() {
		return nil, invalidf("artifacts: %s is neither a regular file nor a directory", localPath)
	}
	var files []localFile
	err = filepath.WalkDir(localPath, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		info, err := os.Stat(p) // follows a symlink to a file
		if err != nil || !info.Mode().IsRegular() {
			return nil // dangling link, link to a directory, device, socket: not an artifact
		}
		rel, err := filepath.Rel(localPath, p)
		if err != nil {
			return err
		}
		files = append(files, localFile{path: p, rel: path.Join(dst, filepath.ToSlash(rel)), size: info.Size()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("tracking: listing artifacts in %s: %w", localPath, err)
	}
	return files, nil
}
