//go:build !race

package model_test

// raceEnabled reports a -race build, whose instrumentation allocates.
const raceEnabled = false
