package schemas_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/storeseg/storeseg/schemas"
)

func Example() {
	u := schemas.StoreFeatureUpdate{
		StoreID:     "store-42",
		EventTime:   1767225600000,
		Numeric:     []schemas.NumericValue{{Name: "sales", Value: 1234.5}, {Name: "area_m2", Null: true}},
		Categorical: []schemas.CategoricalValue{{Name: "format", Value: "hyper"}},
	}
	msg, err := schemas.AppendSingleObject(nil, &u)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("header % x\n", msg[:2])

	var got schemas.StoreFeatureUpdate
	dec := schemas.NewDecoder(nil) // no Schema Registry: single-object messages only
	if err := dec.Decode(context.Background(), msg, &got); err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range got.Numeric {
		fmt.Printf("%s null=%v value=%v\n", f.Name, f.Null, f.Value)
	}

	// Bad input fails with a reason fit for a dead-letter header.
	msg[len(msg)-1] = 0x7f
	err = dec.Decode(context.Background(), msg, &got)
	fmt.Println(schemas.Reason(err), errors.Is(err, schemas.ErrMalformed))
	// Output:
	// header c3 01
	// area_m2 null=true value=0
	// sales null=false value=1234.5
	// malformed true
}
