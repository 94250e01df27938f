package main

// Small helpers the compiler inlines into their callers in extra.go: CPU samples in
// them carry inlined frames (several lines per location) from a second source file.

func mix(x uint64) uint64 { return x*6364136223846793005 + 1442695040888963407 }

func fold(x uint64) uint64 { return x ^ x>>29 }

func churn(x uint64, n int) uint64 {
	for i := 0; i < n; i++ {
		x = fold(mix(x))
	}
	return x
}
