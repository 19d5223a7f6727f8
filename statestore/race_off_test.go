//go:build !race

package statestore_test

// raceEnabled reports a -race build, where Badger runs several times slower.
const raceEnabled = false
