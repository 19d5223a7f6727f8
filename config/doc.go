// Package config loads storeseg's YAML segmentation config: which columns are the store id,
// the numeric and the categorical features, how each is preprocessed, and the settings of
// each model stage.
//
// Decoding is strict: an unknown key, a duplicate key, a value of the wrong type, an invalid
// enum value or an inconsistent setting is an error naming the key and its line (errors wrap
// [ErrInvalid]; every problem found is reported, not just the first). Omitted keys take the
// defaults listed in docs/config.md, and [Config] holds the normalised values with every
// default filled in, so two files that differ only in spelled-out defaults have the same
// [Config.Hash].
//
// The YAML structs live here; each model package keeps its own Spec or Config, and methods
// such as [Config.PreprocessSpec] and [Config.Schema] convert. To add a section: add a struct
// with yaml tags and normalize/validate methods in a file of its own, add the field to
// Config, call its methods from Config.normalize and Config.validate, add a conversion
// method, and document its keys in docs/config.md.
//
// [Default] returns the embedded default config, which describes the columns of the
// synthetic store generator (package synth), so the product runs without any config file.
package config
