package hdbscan

import (
	"math"
	"slices"

	"github.com/storeseg/storeseg/model/internal/parallel"
)

// classes groups rows with identical coordinates (duplicates). Class c holds the rows
// members[start[c]:start[c+1]] in ascending order; classes are numbered by their lowest row,
// so with no duplicates class c is row c. Duplicates share every distance and hence their
// core distance.
type classes struct {
	of      []int32 // row → class
	start   []int32 // len = classes + 1
	members []int32
}

func (k *classes) count() int            { return len(k.start) - 1 }
func (k *classes) rep(c int) int32       { return k.members[k.start[c]] }
func (k *classes) size(c int) int        { return int(k.start[c+1] - k.start[c]) }
func (k *classes) rows(c int) []int32    { return k.members[k.start[c]:k.start[c+1]] }
func (k *classes) identity() bool        { return k.count() == len(k.of) }
func (k *classes) classOf(row int) int32 { return k.of[row] }

// findClasses groups the rows of data (n×d) by exact coordinate equality (−0 equals 0).
// kt, the neighbour table (at least 2 neighbours per row), settles the common case: a row
// with a duplicate has two rows at distance 0 among its nearest, so without such a row every
// class is a single row.
func findClasses(data []float64, n, d int, kt *knnTable, workers int) *classes {
	dup := false
	for i := 0; i < n && !dup; i++ {
		dup = kt.k > 1 && kt.dists(i)[1] == 0
	}
	if !dup {
		k := &classes{of: make([]int32, n), start: make([]int32, n+1), members: make([]int32, n)}
		for i := range n {
			k.of[i], k.members[i], k.start[i+1] = int32(i), int32(i), int32(i+1)
		}
		return k
	}
	hash := make([]uint64, n)
	parallel.For(workers, n, 4096, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			h := uint64(14695981039346656037)
			for _, v := range data[i*d : (i+1)*d] {
				if v == 0 {
					v = 0 // fold −0 into +0
				}
				h ^= math.Float64bits(v)
				h *= 1099511628211
				h ^= h >> 29
			}
			hash[i] = h
		}
	})
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		switch {
		case hash[a] < hash[b]:
			return -1
		case hash[a] > hash[b]:
			return 1
		}
		return int(a - b)
	})
	k := &classes{of: make([]int32, n)}
	for i := range k.of {
		k.of[i] = -1
	}
	// Within a run of equal hashes, give each row the class of the first equal row.
	nextClass := int32(0)
	for lo := 0; lo < n; {
		hi := lo + 1
		for hi < n && hash[order[hi]] == hash[order[lo]] {
			hi++
		}
		for i := lo; i < hi; i++ {
			r := order[i]
			if k.of[r] >= 0 {
				continue
			}
			k.of[r] = nextClass
			for j := i + 1; j < hi; j++ {
				if o := order[j]; k.of[o] < 0 && slices.Equal(data[int(r)*d:int(r+1)*d], data[int(o)*d:int(o+1)*d]) {
					k.of[o] = nextClass
				}
			}
			nextClass++
		}
		lo = hi
	}
	k.renumber(int(nextClass))
	return k
}

// renumber orders the classes by their lowest row and fills start and members.
func (k *classes) renumber(m int) {
	first := make([]int32, m)
	for i := range first {
		first[i] = -1
	}
	newID := make([]int32, m)
	next := int32(0)
	for r, c := range k.of {
		if first[c] < 0 {
			first[c] = int32(r)
			newID[c] = next
			next++
		}
	}
	k.start = make([]int32, m+1)
	for r, c := range k.of {
		k.of[r] = newID[c]
		k.start[newID[c]+1]++
	}
	for c := range m {
		k.start[c+1] += k.start[c]
	}
	k.members = make([]int32, len(k.of))
	fill := slices.Clone(k.start[:m])
	for r, c := range k.of {
		k.members[fill[c]] = int32(r)
		fill[c]++
	}
}
