package statestore_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/storeseg/storeseg/statestore"
)

func ExampleStore_ApplyBatch() {
	cfg := statestore.DefaultConfig("") // use a directory in production
	cfg.InMemory = true
	st, err := statestore.Open(cfg, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() {
		if err := st.Close(); err != nil {
			fmt.Println(err)
		}
	}()
	ctx := context.Background()

	results, err := st.ApplyBatch(ctx, []statestore.Update{
		{StoreID: "s1", EventTime: 100, Num: []statestore.NumValue{{Name: "sales", Value: 90}}},
		{StoreID: "s1", EventTime: 200, Cat: []statestore.CatValue{{Name: "format", Value: "hyper"}}},
		{StoreID: "s2", EventTime: 150, Delete: true},
	}, []statestore.Offset{{Topic: "store-features", Partition: 0, Next: 3}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range results {
		fmt.Printf("exists=%v changed=%v revision=%d\n", r.Exists, r.Changed, r.Revision)
	}
	state, _ := st.Get(ctx, "s1")
	fmt.Printf("%s: %d numeric, %d categorical, updated at %d\n", state.StoreID, len(state.Num), len(state.Cat), state.UpdatedAt)
	_, err = st.Get(ctx, "s2")
	fmt.Println(errors.Is(err, statestore.ErrNotFound))
	offsets, _ := st.Offsets(ctx, "store-features")
	fmt.Println(offsets)
	// Output:
	// exists=true changed=true revision=1
	// exists=true changed=true revision=2
	// exists=false changed=false revision=0
	// s1: 1 numeric, 1 categorical, updated at 200
	// true
	// map[0:3]
}
