// benchgen parks many goroutines with varied stacks (blocking kind, call path, depth,
// arguments) and writes the runtime.Stack(all) dump, the input of bench/goroutines.ts.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"
)

type request struct {
	id     int
	tenant string
	body   []byte
}

var (
	noRecv   = make(chan int)      // nobody ever receives: senders park
	noSend   = make(chan int)      // nobody ever sends: receivers park
	neverSel = make(chan struct{}) // for selects
	heldMu   sync.Mutex            // locked before parking, never unlocked
	heldRW   sync.RWMutex          // write-locked, readers park
	stuckWG  sync.WaitGroup        // Add(1), never Done
	cond     = sync.NewCond(&sync.Mutex{})
	parked   sync.WaitGroup
)

// block parks the goroutine in one of seven ways.
func block(kind int, r *request) {
	parked.Done()
	switch kind {
	case 0:
		noRecv <- r.id
	case 1:
		<-noSend
	case 2:
		select {
		case <-neverSel:
		case v := <-noSend:
			_ = v
		}
	case 3:
		heldMu.Lock()
	case 4:
		heldRW.RLock()
	case 5:
		stuckWG.Wait()
	case 6:
		cond.L.Lock()
		cond.Wait()
	default:
		time.Sleep(24 * time.Hour)
	}
}

// Four handlers that call each other along a path chosen by bits of `path`, so stacks
// differ in order and depth like a real service's call graph.
//
//go:noinline
func handleOrder(path uint32, depth int, r *request, n int) {
	if depth == 0 {
		block(int(path%7), r)
		return
	}
	next(path, depth, r, n+1)
}

//go:noinline
func loadCustomer(path uint32, depth int, r *request, n int) {
	if depth == 0 {
		block(int(path%7), r)
		return
	}
	next(path, depth, r, n+2)
}

//go:noinline
func queryInventory(path uint32, depth int, r *request, n int) {
	if depth == 0 {
		block(int(path%7), r)
		return
	}
	next(path, depth, r, n+3)
}

//go:noinline
func renderResponse(path uint32, depth int, r *request, n int) {
	if depth == 0 {
		block(int(path%7), r)
		return
	}
	next(path, depth, r, n+4)
}

//go:noinline
func next(path uint32, depth int, r *request, n int) {
	switch (path >> (2 * uint(depth%16))) & 3 {
	case 0:
		handleOrder(path, depth-1, r, n)
	case 1:
		loadCustomer(path, depth-1, r, n)
	case 2:
		queryInventory(path, depth-1, r, n)
	default:
		renderResponse(path, depth-1, r, n)
	}
}

func main() {
	n := flag.Int("n", 200000, "goroutines to park")
	out := flag.String("o", "stack.txt", "output file")
	paths := flag.Int("paths", 97, "distinct call paths")
	flag.Parse()

	heldMu.Lock()
	heldRW.Lock()
	stuckWG.Add(1)
	start := time.Now()
	parked.Add(*n)
	for i := 0; i < *n; i++ {
		r := &request{id: i, tenant: fmt.Sprintf("t%d", i%13), body: make([]byte, i%64)}
		path := uint32(i%*paths) * 2654435761
		depth := 1 + (i/7)%24
		go next(path, depth, r, i%1000)
	}
	parked.Wait()
	time.Sleep(200 * time.Millisecond) // let the last ones reach their park call
	fmt.Fprintf(os.Stderr, "parked %d goroutines in %v\n", *n, time.Since(start).Round(time.Millisecond))

	buf := make([]byte, 64<<20)
	for {
		k := runtime.Stack(buf, true)
		if k < len(buf) {
			buf = buf[:k]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	if err := os.WriteFile(*out, buf, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "wrote %s: %.1f MB, %v total (%s)\n", *out, float64(len(buf))/1e6, time.Since(start).Round(time.Millisecond), runtime.Version())
}
