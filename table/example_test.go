package table_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/storeseg/storeseg/table"
)

// Example writes a small store table to Parquet and reads two of its columns back.
func Example() {
	dir, _ := os.MkdirTemp("", "table-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "stores.parquet")

	w, err := table.Create(path, table.FormatAuto, []table.Column{
		{Name: "store_id", Type: table.String},
		{Name: "revenue_12m", Type: table.Float64},
		{Name: "format", Type: table.String},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, format := range []string{"super", "kiosk", "super"} {
		w.String(0, fmt.Sprintf("S%03d", i+1))
		w.Float64(1, float64(i+1)*1.5e6)
		w.String(2, format)
		if err := w.EndRow(); err != nil {
			fmt.Println(err)
			return
		}
	}
	if err := w.Close(); err != nil {
		fmt.Println(err)
		return
	}

	f, err := table.Read(context.Background(), path, table.Schema{
		ID: "store_id", Numeric: []string{"revenue_12m"}, Categorical: []string{"format"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.IDs, f.Num[0], f.Levels[0], f.Cat[0])
	// Output: [S001 S002 S003] [1.5e+06 3e+06 4.5e+06] [super kiosk] [0 1 0]
}
