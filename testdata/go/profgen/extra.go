package main

// Profiles for the top/peek/filter parity tests (-extra) and the benchmark input (-big).

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

// writeExtra writes deep.pb.gz: a CPU profile of two labelled goroutines, one recursing
// 40 frames deep, one in mutual recursion, both spending their time in helpers inlined
// from work.go.
func writeExtra(dir string, d time.Duration) {
	f, err := os.Create(filepath.Join(dir, "deep.pb.gz"))
	if err != nil {
		fail(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fail(err)
	}
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	wg.Add(2)
	go pprof.Do(context.Background(), pprof.Labels("job", "deep", "shard", "1"), func(context.Context) {
		defer wg.Done()
		for time.Now().Before(deadline) {
			recurse(40, 3000)
		}
	})
	go pprof.Do(context.Background(), pprof.Labels("job", "mutual", "shard", "2"), func(context.Context) {
		defer wg.Done()
		for time.Now().Before(deadline) {
			ping(9, 2000)
		}
	})
	wg.Wait()
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		fail(err)
	}
}

//go:noinline
func recurse(depth, n int) {
	if depth == 0 {
		spin = churn(spin, n)
		return
	}
	if depth%10 == 0 {
		spin = fold(spin) // an inlined call at several depths of the same stack
	}
	recurse(depth-1, n)
}

//go:noinline
func ping(depth, n int) {
	spin = mix(spin)
	if depth == 0 {
		spin = churn(spin, n)
		return
	}
	pong(depth-1, n)
}

//go:noinline
func pong(depth, n int) {
	if depth == 0 {
		spin = churn(spin, 2*n)
		return
	}
	ping(depth-1, n)
}

// writeBig writes big.pb.gz: a heap profile with MemProfileRate=1 and one allocation
// site reached through 7^levels distinct call paths (a combinatorial recursion through
// seven functions, under a 10-frame lead-in that makes every stack deeper), for
// benchmarks. Not used by the tests.
func writeBig(dir string, levels int) {
	runtime.MemProfileRate = 1
	paths := 1
	for i := 0; i < levels; i++ {
		paths *= 7
	}
	keep := make([][]byte, 0, paths)
	for p := 0; p < paths; p++ {
		keep = append(keep, lead(10, levels, p))
	}
	runtime.GC()
	runtime.GC()
	write(dir, "big.pb.gz", func(f *os.File) error { return pprof.Lookup("heap").WriteTo(f, 0) })
	runtime.KeepAlive(keep)
	st, err := os.Stat(filepath.Join(dir, "big.pb.gz"))
	if err == nil {
		fmt.Fprintf(os.Stderr, "profgen: big.pb.gz: %d call paths, %d bytes gzipped\n", paths, st.Size())
	}
}

//go:noinline
func lead(n, level, path int) []byte {
	if n == 0 {
		return descend(level, path)
	}
	return lead(n-1, level, path)
}

//go:noinline
func descend(level, path int) []byte {
	if level == 0 {
		return make([]byte, 16+path%5*16)
	}
	switch path % 7 {
	case 0:
		return p0(level-1, path/7)
	case 1:
		return p1(level-1, path/7)
	case 2:
		return p2(level-1, path/7)
	case 3:
		return p3(level-1, path/7)
	case 4:
		return p4(level-1, path/7)
	case 5:
		return p5(level-1, path/7)
	default:
		return p6(level-1, path/7)
	}
}

//go:noinline
func p0(level, path int) []byte { return descend(level, path) }

//go:noinline
func p1(level, path int) []byte { return descend(level, path) }

//go:noinline
func p2(level, path int) []byte { return descend(level, path) }

//go:noinline
func p3(level, path int) []byte { return descend(level, path) }

//go:noinline
func p4(level, path int) []byte { return descend(level, path) }

//go:noinline
func p5(level, path int) []byte { return descend(level, path) }

//go:noinline
func p6(level, path int) []byte { return descend(level, path) }
