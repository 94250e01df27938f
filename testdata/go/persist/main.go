// Command persist writes two goroutine dumps (debug=2) to stdout, separated by a
// line "=== second dump ===", for the tests of goscope's leak persistence rule.
// Between the dumps:
//
//   - main.waitForever: 4 goroutines stay blocked where they are. Each grew its
//     stack before blocking, and forced GCs shrink (move) those stacks, so the
//     pointer into its own stack that each passes to waitForever changes value.
//   - main.handleJob: 3 workers finish their job and block at the same place in
//     the next one (new *job, new sequence number), as a kept-alive connection's
//     goroutine does for its next request.
//   - main.inflight: 3 goroutines end and 3 new ones block at the same place.
//   - sync.(*WaitGroup).Wait: 2 goroutines started as `go never.Wait()` stay blocked
//     in the standard library, with no frame of main's but their creator.
//
// Every goroutine is checked to be parked at its place before each dump. With
// -debug0 FILE, the goroutine profile at the second dump is also written to FILE as
// debug=0 (gzipped protobuf: counts by stack, no states), the form `goscope leak` samples.

package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"time"
)

var forever = make(chan int)

// grow uses about 256 bytes of stack per level, so a deep call grows the stack.
//
//go:noinline
func grow(n int) int {
	var pad [256]byte
	pad[n%256] = byte(n)
	if n == 0 {
		return int(pad[0])
	}
	return grow(n-1) + int(pad[1])
}

// waitForever blocks for good; local points into the caller's stack.
//
//go:noinline
func waitForever(local *int) {
	*local += <-forever
}

func stuck(i int) {
	grow(200) // a stack of 64 KiB or more, mostly unused once blocked: the GC shrinks it
	x := i
	waitForever(&x)
}

type job struct {
	seq  int
	done chan struct{}
}

// handleJob blocks until the job is released. It uses both arguments after
// the wait, so they are live there and the traceback prints their values (a
// dead argument prints whatever its stack slot last held).
//
//go:noinline
func handleJob(j *job, seq int) {
	<-j.done
	j.seq = -seq
}

func worker(jobs <-chan *job) {
	for j := range jobs {
		handleJob(j, j.seq)
	}
}

//go:noinline
func inflight(done <-chan struct{}, seq int) {
	<-done
}

// parked waits until n goroutines are blocked in main.fn (state "chan receive").
func parked(fn string, n int) {
	parkedIn("main."+fn, "chan receive", n)
}

// parkedIn waits until n goroutines are blocked in the function named fn with the given state.
func parkedIn(fn, state string, n int) {
	deadline := time.Now().Add(20 * time.Second)
	for {
		var b bytes.Buffer
		pprof.Lookup("goroutine").WriteTo(&b, 2)
		got := 0
		for _, g := range strings.Split(b.String(), "\n\n") {
			if strings.Contains(g, "\n"+fn+"(") && strings.Contains(strings.SplitN(g, "\n", 2)[0], "["+state) {
				got++
			}
		}
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "persist: %d of %d goroutines parked in %s\n", got, n, fn)
			os.Exit(1)
		}
		time.Sleep(time.Millisecond)
	}
}

func newJob(seq int) *job {
	return &job{seq: seq, done: make(chan struct{})}
}

func main() {
	debug0 := flag.String("debug0", "", "also write the goroutine profile at the second dump to this file, debug=0")
	flag.Parse()
	for i := 0; i < 4; i++ {
		go stuck(i)
	}
	jobs := make(chan *job)
	var current []*job
	for i := 0; i < 3; i++ {
		go worker(jobs)
	}
	for i := 0; i < 3; i++ {
		j := newJob(i + 1)
		current = append(current, j)
		jobs <- j
	}
	done := make(chan struct{})
	for i := 0; i < 3; i++ {
		go inflight(done, i)
	}
	var never sync.WaitGroup
	never.Add(1)
	for i := 0; i < 2; i++ {
		go never.Wait()
	}
	parked("waitForever", 4)
	parked("handleJob", 3)
	parked("inflight", 3)
	parkedIn("sync.(*WaitGroup).Wait", "sync.WaitGroup.Wait", 2)
	pprof.Lookup("goroutine").WriteTo(os.Stdout, 2)

	// The workers move on to their next jobs, the in-flight goroutines end and
	// others take their place, and the GC shrinks the idle stacks. The first
	// jobs stay referenced, so the next ones cannot reuse their memory.
	first := append([]*job(nil), current...)
	for i, j := range current {
		close(j.done)
		current[i] = newJob(100 + i)
		jobs <- current[i]
	}
	close(done)
	done2 := make(chan struct{})
	for i := 0; i < 3; i++ {
		go inflight(done2, 10+i)
	}
	for i := 0; i < 4; i++ {
		runtime.GC()
	}
	parked("waitForever", 4)
	parked("handleJob", 3)
	for {
		// The first in-flight goroutines must be gone, their successors parked.
		var b bytes.Buffer
		pprof.Lookup("goroutine").WriteTo(&b, 2)
		if strings.Count(b.String(), "\nmain.inflight(") == 3 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	parked("inflight", 3)
	parkedIn("sync.(*WaitGroup).Wait", "sync.WaitGroup.Wait", 2)
	fmt.Println("=== second dump ===")
	pprof.Lookup("goroutine").WriteTo(os.Stdout, 2)
	if *debug0 != "" {
		f, err := os.Create(*debug0)
		if err == nil {
			err = pprof.Lookup("goroutine").WriteTo(f, 0)
		}
		if err == nil {
			err = f.Close()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "persist:", err)
			os.Exit(1)
		}
	}
	close(done2)
	runtime.KeepAlive(first)
}
