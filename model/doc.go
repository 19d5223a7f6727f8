// Package model is storeseg's segmentation model: the refit pipeline as a pure function
// (Fit) and the versioned, self-checking bundle it produces (Bundle), which the streaming
// consumer loads to score stores (Scorer).
//
// # Pipeline
//
// Fit runs preprocess (model/preprocess) → FAMD (model/famd, Pagès 2004) → HDBSCAN on the
// principal coordinates (model/hdbscan, Campello et al. 2013) → a random forest (model/forest,
// Breiman 2001) trained on HDBSCAN's confident core points assigns every noise store →
// stable segment ids matched to the previous model (model/segments) → profiles and names →
// quality metrics (model/validity) → drift references (model/drift). It is deterministic:
// the same input and config give the same bundle bytes.
//
// # Bundle format
//
// A bundle is a zip archive (entries stored uncompressed, fixed timestamps): manifest.json
// first, then one entry per part. Each model part is an npz archive of NumPy .npy arrays plus
// JSON (readable with numpy.load), the others JSON documents:
//
//	behavioral_scaler.npz        fitted preprocessor (transforms, fill values, level maps)
//	famd_model.npz               FAMD centres, scales, level proportions, loadings
//	hdbscan_model.npz            HDBSCAN prediction data (training coordinates, tree)
//	noise_classifier_model.npz   random forest as flat node arrays
//	segment_map.json             cluster label → stable segment id and name
//	profiles.json                segment profiles
//	transitions.json             kept / split / merged / born / died against the previous model
//	drift_reference.json         training distributions for drift monitoring
//	assignments.npz              the refit's segment of every training store + feature hash
//	smoke.json                   training stores whose predictions Load must reproduce
//
// The manifest lists every part's sha256 and size, the feature spec, the segments, the
// metrics and the model version, which is derived from the parts' content. Load verifies the
// checksums, each part's own validation, the parts' consistency and the smoke cases, so a
// tampered, truncated or mismatched bundle is rejected before it scores anything.
package model
