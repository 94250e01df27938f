package main

// Generic hot code for generic.pb.gz (-extra): the compiler names each instantiation after
// the shapes of its type arguments, and go tool pprof shortens some of those names. The
// forms, all on the stacks of the profile:
//
//	main.apply[go.shape.func(uint64) uint64]          a generic function over a func type
//	main.apply[go.shape.func(uint64) uint64].func1    a closure inside it
//	main.apply[go.shape.func(uint64) uint64].backward[go.shape.[]go.shape.func(uint64) uint64,go.shape.func(uint64) uint64].func3
//	                                                  slices.Backward's closure (as in Caddy's
//	                                                  middleware chain), inlined; the go line
//	                                                  (1.22) rules out the real slices.Backward
//	main.Pipeline[go.shape.func(uint64) uint64].Run   a method with a value receiver
//	main.(*Ring[go.shape.func(uint64) uint64]).Next   a method with a pointer receiver: kept
//	                                                  whole by pprof ("]).")
//	main.sumOf[go.shape.struct { main.a uint64; main.b uint64 }]
//	                                                  a struct shape, no parentheses

import (
	"context"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"
)

// Step is a named func type: its shape is go.shape.func(uint64) uint64.
type Step func(uint64) uint64

type Pipeline[F ~func(uint64) uint64] struct{ steps []F }

//go:noinline
func (p Pipeline[F]) Run(x uint64, n int) uint64 {
	for i := 0; i < n; i++ {
		x = apply(p.steps, x)
	}
	return x
}

// apply runs x through the steps, last first, like a middleware chain.
//
//go:noinline
func apply[F ~func(uint64) uint64](steps []F, x uint64) uint64 {
	// each does some mixing of its own, so samples also end in the closure of a generic
	// function (a hot spot under a name pprof shortens, as Caddy's middleware chain).
	each := func(f F) {
		x = f(x)
		for i := 0; i < 20; i++ {
			x ^= x << 13
			x ^= x >> 7
		}
	}
	// Called, not ranged over: the module's go line (1.22) predates range-over-func.
	backward(steps)(func(_ int, f F) bool {
		each(f)
		return true
	})
	return x
}

// backward is slices.Backward (inlined into apply, with the closure it returns).
func backward[S ~[]E, E any](s S) func(yield func(int, E) bool) {
	return func(yield func(int, E) bool) {
		for i := len(s) - 1; i >= 0; i-- {
			if !yield(i, s[i]) {
				return
			}
		}
	}
}

type Ring[F ~func(uint64) uint64] struct {
	fs []F
	at int
}

//go:noinline
func (r *Ring[F]) Next(x uint64) uint64 {
	r.at = (r.at + 1) % len(r.fs)
	return r.fs[r.at](x)
}

type pair struct{ a, b uint64 }

//go:noinline
func sumOf[T any](xs []T, key func(T) uint64) uint64 {
	var s uint64
	for _, x := range xs {
		s += key(x)
		s ^= s >> 7
	}
	return s
}

//go:noinline
func pairKey(p pair) uint64 { return p.a*31 + p.b }

//go:noinline
func stepMix(x uint64) uint64 {
	for i := 0; i < 50; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	return x
}

//go:noinline
func stepFold(x uint64) uint64 {
	for i := 0; i < 50; i++ {
		x ^= x >> 29
		x *= 0x9E3779B97F4A7C15
	}
	return x
}

// writeGeneric writes generic.pb.gz: a CPU profile of d spent in the code above.
func writeGeneric(dir string, d time.Duration) {
	f, err := os.Create(filepath.Join(dir, "generic.pb.gz"))
	if err != nil {
		fail(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fail(err)
	}
	p := Pipeline[Step]{steps: []Step{stepMix, stepFold, stepMix}}
	r := &Ring[Step]{fs: []Step{stepFold, stepMix}}
	xs := make([]pair, 4096)
	for i := range xs {
		xs[i] = pair{uint64(i), uint64(i * 7)}
	}
	deadline := time.Now().Add(d)
	pprof.Do(context.Background(), pprof.Labels("phase", "generic"), func(context.Context) {
		for time.Now().Before(deadline) {
			spin = p.Run(spin, 200)
			for i := 0; i < 200; i++ {
				spin = r.Next(spin)
			}
			spin += sumOf(xs, pairKey)
		}
	})
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		fail(err)
	}
}
