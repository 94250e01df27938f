// Command gen writes a large, real heap profile for goscope's profile benchmark
// (bench/profiles.ts): runtime.MemProfileRate = 1 makes the runtime record every
// allocation with its full stack, and the allocations are reached through a
// combinatorial recursion, so every leaf of the call tree is a distinct stack.
//
// Call tree (default -fan 4,4,4,4,4,4,4,4,4,3): a fixed chain of 12 request-handling
// frames, then 9 levels where each of the 4 walk* functions calls all 4 walk*
// functions again (the same functions at every level: stacks are recursive), then a
// last level calling the 3 store* functions, each of which allocates one object that
// is kept live. That is 4^9*3 = 786,432 allocation stacks and about 1.14 million
// distinct call-path prefixes (flame graph nodes), and about 33 MB of uncompressed
// protobuf (every sample carries the whole 25-frame stack).
//
// Usage: gen -out FILE [-fan 4,4,4,4,4,4,4,4,4,3]
// Prints one line: file, gzipped and raw size, allocations (samples).
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
)

var (
	fan     []int
	kept    [][]byte
	walkers [4]func(level, path int)
	stores  [3]func(path int)
)

func init() {
	walkers = [4]func(int, int){walkAlpha, walkBeta, walkGamma, walkDelta}
	stores = [3]func(int){storeSmall, storeMedium, storeLarge}
}

func main() {
	out := flag.String("out", "", "file to write the heap profile to (required)")
	fanFlag := flag.String("fan", "4,4,4,4,4,4,4,4,4,3", "calls per level: walk levels (<= 4 each), then the store level (<= 3)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: gen -out FILE [-fan 4,4,...,3]")
		os.Exit(2)
	}
	leaves := 1
	for i, s := range strings.Split(*fanFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		limit := len(walkers)
		if i == len(strings.Split(*fanFlag, ","))-1 {
			limit = len(stores)
		}
		if err != nil || n < 1 || n > limit {
			fmt.Fprintf(os.Stderr, "gen: -fan: %q at position %d must be 1..%d\n", s, i+1, limit)
			os.Exit(2)
		}
		fan = append(fan, n)
		leaves *= n
	}

	// Set before the first allocation we care about; every allocation is recorded.
	runtime.MemProfileRate = 1
	kept = make([][]byte, 0, leaves) // never grows: no runtime.growslice stacks
	acceptLoop()
	// The heap profile is published at the end of a GC cycle: make it complete.
	runtime.GC()

	var buf bytes.Buffer
	if err := pprof.Lookup("heap").WriteTo(&buf, 0); err != nil {
		fail(err)
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		fail(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		fail(err)
	}
	raw, err := io.Copy(io.Discard, zr)
	if err != nil {
		fail(err)
	}
	fmt.Printf("%s: %d bytes gzipped, %d bytes raw, %d allocation stacks\n", *out, buf.Len(), raw, len(kept))
	runtime.KeepAlive(kept)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}

// ---- a fixed chain of frames, like the request path of a server ----

//go:noinline
func acceptLoop() { serveConn() }

//go:noinline
func serveConn() { readRequest() }

//go:noinline
func readRequest() { routeRequest() }

//go:noinline
func routeRequest() { authMiddleware() }

//go:noinline
func authMiddleware() { logMiddleware() }

//go:noinline
func logMiddleware() { metricsMiddleware() }

//go:noinline
func metricsMiddleware() { recoverMiddleware() }

//go:noinline
func recoverMiddleware() { handleQuery() }

//go:noinline
func handleQuery() { planQuery() }

//go:noinline
func planQuery() { optimizeQuery() }

//go:noinline
func optimizeQuery() { executeQuery() }

//go:noinline
func executeQuery() { descend(0, 0) }

// ---- the combinatorial part ----

// descend is the root of the recursion (level 0). The walkers repeat its body instead
// of calling it: a shared helper would add a frame (and a flame graph node) per level.
//
//go:noinline
func descend(level, path int) {
	if level == len(fan)-1 {
		for c := 0; c < fan[level]; c++ {
			stores[c](path*fan[level] + c)
		}
		return
	}
	for c := 0; c < fan[level]; c++ {
		walkers[c](level+1, path*fan[level]+c)
	}
}

//go:noinline
func walkAlpha(level, path int) {
	if level == len(fan)-1 {
		for c := 0; c < fan[level]; c++ {
			stores[c](path*fan[level] + c)
		}
		return
	}
	for c := 0; c < fan[level]; c++ {
		walkers[c](level+1, path*fan[level]+c)
	}
}

//go:noinline
func walkBeta(level, path int) {
	if level == len(fan)-1 {
		for c := 0; c < fan[level]; c++ {
			stores[c](path*fan[level] + c)
		}
		return
	}
	for c := 0; c < fan[level]; c++ {
		walkers[c](level+1, path*fan[level]+c)
	}
}

//go:noinline
func walkGamma(level, path int) {
	if level == len(fan)-1 {
		for c := 0; c < fan[level]; c++ {
			stores[c](path*fan[level] + c)
		}
		return
	}
	for c := 0; c < fan[level]; c++ {
		walkers[c](level+1, path*fan[level]+c)
	}
}

//go:noinline
func walkDelta(level, path int) {
	if level == len(fan)-1 {
		for c := 0; c < fan[level]; c++ {
			stores[c](path*fan[level] + c)
		}
		return
	}
	for c := 0; c < fan[level]; c++ {
		walkers[c](level+1, path*fan[level]+c)
	}
}

// The allocation sites: each keeps one object live (so inuse = alloc), of a size that
// depends on the site and the path.

//go:noinline
func storeSmall(path int) { kept = append(kept, make([]byte, 16+path%4*8)) }

//go:noinline
func storeMedium(path int) { kept = append(kept, make([]byte, 64+path%4*32)) }

//go:noinline
func storeLarge(path int) { kept = append(kept, make([]byte, 256+path%4*128)) }
