package synth_test

import (
	"fmt"

	"github.com/storeseg/storeseg/synth"
)

// ExampleGenerator_Store generates one store on its own; it is the same store at the same
// index in any table of the same configuration.
func ExampleGenerator_Store() {
	g, err := synth.New(synth.DefaultConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	s := g.Store(0)
	fmt.Println(s.ID, s.Archetype)
	fmt.Println(synth.NumNames()[0], s.Num[0])
	fmt.Println(synth.CatNames(), s.Cat)
	// Output:
	// S0000001 suburban_supermarket
	// revenue_12m 7.333649e+06
	// [format placement region ownership city] [supermarket suburban_centre central corporate Frankfurt]
}
