// Command gen parks a large number of goroutines with varied stacks and writes
// the runtime's own all-goroutine dump (runtime.Stack(buf, true)) to a file. It
// is the input for goscope's goroutine-dump parsing benchmark.
//
//	go run . -n 200000 -o /tmp/goroutines.txt
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Blocking primitives shared by all goroutines. They are package-level, so
// nothing here is "leaked" in the goroutineleak sense: this is a huge but
// healthy-looking process.
var (
	sendChs  [4]chan int
	recvChs  [4]chan int
	selChA   = make(chan int)
	selChB   = make(chan string)
	bigMu    sync.Mutex
	bigRW    sync.RWMutex
	bigWG    sync.WaitGroup
	condMu   sync.Mutex
	bigCond  = sync.NewCond(&condMu)
	never    bool
	parked   atomic.Int64
	released = make(chan struct{})
)

func init() {
	for i := range sendChs {
		sendChs[i] = make(chan int)
		recvChs[i] = make(chan int)
	}
}

// spec describes one goroutine's stack: an entry point, a chain of depth
// middle frames chosen from mids by seed (the route), and a blocking leaf.
type spec struct {
	id    int // per goroutine: varies the entry frame's arguments
	seed  int // the route
	depth int
	kind  int
}

func main() {
	n := flag.Int("n", 200000, "number of goroutines to park")
	out := flag.String("o", "goroutines.txt", "output file for the runtime.Stack(all) dump")
	maxDepth := flag.Int("maxdepth", 30, "maximum depth of the middle call chain (1..maxdepth)")
	routes := flag.Int("routes", 400, "number of distinct routes (entry + middle chain + leaf)")
	flag.Parse()
	if *n < 1 || *maxDepth < 1 || *routes < 1 {
		fmt.Fprintln(os.Stderr, "gen: -n and -maxdepth must be positive")
		os.Exit(2)
	}

	// The parked goroutines' stacks dominate memory; keep the GC from running
	// repeatedly over them while they are created.
	debug.SetGCPercent(400)

	bigMu.Lock() // held forever: sync.Mutex.Lock waiters
	bigRW.Lock() // held forever: sync.RWMutex.RLock waiters
	bigWG.Add(1) // never Done: sync.WaitGroup.Wait waiters

	start := time.Now()
	for i := 0; i < *n; i++ {
		route := mix(uint64(i)) % uint64(*routes)
		s := spec{
			id:    i,
			seed:  int(route),
			depth: 1 + int((mix(route*7919)+uint64(i%3))%uint64(*maxDepth)),
			kind:  int(mix(route*104729) % numKinds),
		}
		entries[mix(route*31)%uint64(len(entries))](s)
	}
	for parked.Load() < int64(*n) {
		time.Sleep(5 * time.Millisecond)
	}
	// Let the last ones finish parking inside the runtime.
	time.Sleep(200 * time.Millisecond)
	parkTime := time.Since(start)

	t0 := time.Now()
	dump := allStacks(*n)
	dumpTime := time.Since(t0)

	if err := os.WriteFile(*out, dump, 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(os.Stderr, "gen: %d goroutines (%d total) parked in %v; dump %d bytes (%.1f MB) in %v -> %s; sys %d MB; %s\n",
		*n, runtime.NumGoroutine(), parkTime.Round(time.Millisecond), len(dump), float64(len(dump))/(1<<20),
		dumpTime.Round(time.Millisecond), *out, ms.Sys>>20, runtime.Version())
}

// allStacks returns runtime.Stack(buf, true). Every attempt walks every
// goroutine, so start from a generous estimate and grow by 1.5x.
func allStacks(n int) []byte {
	size := n*4096 + 1<<20
	for {
		buf := make([]byte, size)
		m := runtime.Stack(buf, true)
		if m < len(buf) {
			return buf[:m]
		}
		size += size / 2
	}
}

// mix is a cheap integer hash (splitmix64 finaliser) for deterministic variety.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
