package table_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gonum.org/v1/gonum/mat"

	"github.com/storeseg/storeseg/table"
)

func TestReadMatrix(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	m, err := table.ReadMatrix(context.Background(), write("coordinates.csv", "store_id,F1,F2\na,1,-2\nb,0.5,3e2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"a", "b"}, m.IDs); d != "" {
		t.Errorf("IDs (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"F1", "F2"}, m.Names); d != "" || m.IDName != "store_id" {
		t.Errorf("names %q %v; want store_id and F1 F2 %s", m.IDName, m.Names, d)
	}
	if want := mat.NewDense(2, 2, []float64{1, -2, 0.5, 300}); !mat.Equal(want, m.X) {
		t.Errorf("X = %v; want %v", mat.Formatted(m.X), mat.Formatted(want))
	}

	_, err = table.ReadMatrix(context.Background(), write("gap.csv", "id,F1\na,1\nb,\n"))
	var te *table.Error
	if !errors.Is(err, table.ErrMissingNumber) || !errors.As(err, &te) || te.Row != 2 || te.Column != "F1" {
		t.Errorf("ReadMatrix(gap) error = %v; want ErrMissingNumber at row 2, column F1", err)
	}
	if _, err := table.ReadMatrix(context.Background(), write("ids.csv", "id\na\n")); !errors.Is(err, table.ErrNoColumn) {
		t.Errorf("ReadMatrix(id only) error = %v; want ErrNoColumn", err)
	}
	if _, err := table.ReadMatrix(context.Background(), write("text.csv", "id,F1\na,x\n")); !errors.Is(err, table.ErrBadNumber) {
		t.Errorf("ReadMatrix(text) error = %v; want ErrBadNumber", err)
	}
	if _, err := table.ReadMatrix(context.Background(), filepath.Join(dir, "absent.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadMatrix(absent) error = %v; want os.ErrNotExist", err)
	}
}
