package forest

import "math/bits"

// Sort keys are rank<<32 | position: the high half is a feature rank (offset by the node's
// smallest rank), the low half the sample's position in the node. Only the high half is
// sorted on; the order of samples with equal ranks does not matter, because no split falls
// between them.

// insertionMax is the node size up to which insertion sort beats the radix passes.
const insertionMax = 48

// radixBits is the widest digit of a radix pass (2048 buckets).
const radixBits = 11

// sortKeys sorts a by the high 32 bits, whose values are below 1<<keyBits, using tmp (same
// length) as scratch. It returns the sorted keys, which are either a or tmp.
func sortKeys(a, tmp []uint64, keyBits int, hist *[1 << radixBits]int32) []uint64 {
	if len(a) <= insertionMax {
		insertionSort(a)
		return a
	}
	width := radixBits
	if len(a) < 4096 {
		width = 8
	}
	passes := (keyBits + width - 1) / width
	width = (keyBits + passes - 1) / passes
	mask := uint64(1)<<width - 1
	src, dst := a, tmp
	for pass := range passes {
		shift := 32 + uint(pass*width)
		h := hist[:1<<width]
		clear(h)
		for _, k := range src {
			h[(k>>shift)&mask]++
		}
		if h[(src[0]>>shift)&mask] == int32(len(src)) {
			continue // every key has this digit
		}
		var sum int32
		for i, c := range h {
			h[i] = sum
			sum += c
		}
		for _, k := range src {
			d := (k >> shift) & mask
			dst[h[d]] = k
			h[d]++
		}
		src, dst = dst, src
	}
	return src
}

func insertionSort(a []uint64) {
	for i := 1; i < len(a); i++ {
		k := a[i]
		j := i
		for ; j > 0 && a[j-1]>>32 > k>>32; j-- {
			a[j] = a[j-1]
		}
		a[j] = k
	}
}

// bitLen returns the number of bits needed for values up to v.
func bitLen(v uint32) int { return bits.Len32(v) }
