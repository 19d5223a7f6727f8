//go:build !race

package hdbscan

const raceEnabled = false
