package segments_test

import (
	"fmt"

	"github.com/storeseg/storeseg/model/segments"
)

func ExampleMatch() {
	// The previous model had segments 3 and 4. The refit finds the same two groups (numbered
	// the other way round) plus a group of new stores.
	prev := []int{3, 3, 3, 4, 4, 4, segments.None, segments.None}
	next := []int{1, 1, 1, 0, 0, 0, 2, 2}
	m, err := segments.Match(prev, next, 3, 5, segments.DefaultMatchConfig())
	if err != nil {
		panic(err)
	}
	fmt.Println("cluster → segment:", m.IDs, "next id:", m.NextID)
	for _, t := range m.Transitions {
		fmt.Println(t.Kind, t.From, "→", t.To)
	}
	// Output:
	// cluster → segment: [4 3 5] next id: 6
	// kept [3] → [3]
	// kept [4] → [4]
	// born [] → [5]
}
