package segments

import "math"

// maxAssignment solves the rectangular assignment problem: it picks at most one column per row
// and one row per column so that the sum of w over the chosen cells is maximal. It returns, for
// every row, the chosen column or −1.
//
// It runs the O(r²c) shortest augmenting path form of the Hungarian method (Kuhn 1955;
// Jonker & Volgenant 1987) on costs −w, padding the smaller side implicitly. Ties are broken
// towards the lowest column index, so the result is deterministic.
func maxAssignment(w [][]float64, rows, cols int) []int {
	out := make([]int, rows)
	for i := range out {
		out[i] = -1
	}
	if rows == 0 || cols == 0 {
		return out
	}
	// Work with n = rows ≤ m = cols; transpose if needed.
	transposed := rows > cols
	n, m := rows, cols
	cost := func(i, j int) float64 { return -w[i][j] }
	if transposed {
		n, m = cols, rows
		cost = func(i, j int) float64 { return -w[j][i] }
	}
	// Potentials u (rows), v (columns); p[j] = row matched to column j (1-based, 0 = none).
	u := make([]float64, n+1)
	v := make([]float64, m+1)
	p := make([]int, m+1)
	way := make([]int, m+1)
	minv := make([]float64, m+1)
	used := make([]bool, m+1)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j] = math.Inf(1)
			used[j] = false
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], math.Inf(1), 0
			for j := 1; j <= m; j++ {
				if used[j] {
					continue
				}
				cur := cost(i0-1, j-1) - u[i0] - v[j]
				if cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= m; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	for j := 1; j <= m; j++ {
		if p[j] == 0 {
			continue
		}
		if transposed {
			out[j-1] = p[j] - 1
		} else {
			out[p[j]-1] = j - 1
		}
	}
	return out
}
