package main

import (
	"math"
	"sort"
)

func posInf() float64 { return math.Inf(1) }

func sortedKeys(m map[float64]float64) []float64 {
	out := make([]float64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Float64s(out)
	return out
}
