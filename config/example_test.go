package config_test

import (
	"fmt"

	"github.com/storeseg/storeseg/config"
)

// Example parses a config; omitted keys take their defaults, and a typo is an error naming
// the key and line.
func Example() {
	c, err := config.Parse([]byte(`
id: store_id
numeric:
  - {name: revenue_12m, transform: log1p, min: 0}
categorical:
  - {name: format}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Numeric[0].Impute, c.Categorical[0].Missing, c.FAMD.NComponents, c.FAMD.Unseen)
	fmt.Println(c.Schema())

	_, err = config.Parse([]byte("id: store_id\nnumeric:\n  - {name: revenue_12m, imput: mean}\n"))
	fmt.Println(err)
	// Output:
	// median category 8 error
	// {store_id [revenue_12m] [format]}
	// config: line 3: imput: unknown key (valid keys here: name, transform, impute, min, max)
}
