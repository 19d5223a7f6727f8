package table

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/storeseg/storeseg/model/frame"
)

// Read reads the columns named in s from the CSV, Parquet or Avro file at path (the format is
// chosen by extension, see [FormatOf]). Errors name the file by its base name.
func Read(ctx context.Context, path string, s Schema) (*frame.Frame, error) {
	format, err := FormatOf(path)
	if err != nil {
		return nil, err
	}
	return ReadFormat(ctx, path, format, s)
}

// ReadFormat is [Read] with an explicit format (FormatAuto chooses by extension).
func ReadFormat(ctx context.Context, path string, format Format, s Schema) (*frame.Frame, error) {
	if format == FormatAuto {
		var err error
		if format, err = FormatOf(path); err != nil {
			return nil, err
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("table: %w", err)
	}
	defer f.Close()
	name := filepath.Base(path)
	switch format {
	case CSV:
		return ReadCSV(ctx, f, name, s)
	case Parquet:
		st, err := f.Stat()
		if err != nil {
			return nil, fmt.Errorf("table: %w", err)
		}
		return ReadParquet(ctx, f, st.Size(), name, s)
	case Avro:
		return ReadAvro(ctx, f, name, s)
	}
	return nil, fmt.Errorf("%w: %v", ErrFormat, format)
}
