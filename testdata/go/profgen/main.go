// Command profgen writes real Go profiles for goscope's pprof codec tests:
//
//	goroutine.pb.gz  goroutine profile (debug=0) whose goroutines carry pprof.Do labels
//	cpu.pb.gz        CPU profile of a short busy loop (also labelled via pprof.Do)
//	cpu2.pb.gz       a second CPU profile of a different busy loop (a -diff_base partner)
//	heap.pb.gz       heap profile (samples carry the runtime's "bytes" numeric label)
//	mutex.pb.gz      mutex contention profile
//	block.pb.gz      block profile
//
// With -extra, also (see extra.go):
//
//	deep.pb.gz       CPU profile with deep and mutual recursion, frames inlined from
//	                 work.go, two goroutines with different labels
//	generic.pb.gz    CPU profile of generic code: function names with type shapes,
//	                 which go tool pprof shortens (see generic.go)
//
// With -big LEVELS, only big.pb.gz: a heap profile with 7^LEVELS distinct stacks (7
// gives about 37 MB of raw protobuf), for benchmarks.
//
// Usage: profgen -out DIR [-cpu 300ms] [-extra] | profgen -out DIR -big LEVELS
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

var sink []byte
var spin uint64

func main() {
	out := flag.String("out", "", "directory to write the profiles to (required)")
	cpuFor := flag.Duration("cpu", 300*time.Millisecond, "duration of each CPU profile")
	extra := flag.Bool("extra", false, "also write deep.pb.gz and generic.pb.gz")
	big := flag.Int("big", 0, "write only big.pb.gz, with 7^LEVELS distinct stacks")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: profgen -out DIR [-cpu 300ms] [-extra] | profgen -out DIR -big LEVELS")
		os.Exit(2)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fail(err)
	}
	if *big > 0 {
		writeBig(*out, *big)
		return
	}
	runtime.SetMutexProfileFraction(1)
	runtime.SetBlockProfileRate(1)
	runtime.MemProfileRate = 512

	// Goroutines parked with labels.
	stop := make(chan struct{})
	var ready sync.WaitGroup
	for i := 0; i < 3; i++ {
		ready.Add(1)
		labels := pprof.Labels("worker", fmt.Sprintf("w%d", i), "role", "parked")
		go pprof.Do(context.Background(), labels, func(context.Context) {
			ready.Done()
			<-stop
		})
	}
	ready.Add(1)
	go pprof.Do(context.Background(), pprof.Labels("role", "sleeper"), func(context.Context) {
		ready.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Hour):
			}
		}
	})
	ready.Wait()
	time.Sleep(20 * time.Millisecond)
	write(*out, "goroutine.pb.gz", func(f *os.File) error { return pprof.Lookup("goroutine").WriteTo(f, 0) })

	// Two CPU profiles of different busy loops.
	cpu := func(name string, work func(time.Time)) {
		path := filepath.Join(*out, name)
		f, err := os.Create(path)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(err)
		}
		deadline := time.Now().Add(*cpuFor)
		pprof.Do(context.Background(), pprof.Labels("phase", name), func(context.Context) { work(deadline) })
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fail(err)
		}
	}
	cpu("cpu.pb.gz", func(deadline time.Time) {
		for time.Now().Before(deadline) {
			busyA(20000)
			busyB(10000)
		}
	})
	cpu("cpu2.pb.gz", func(deadline time.Time) {
		for time.Now().Before(deadline) {
			busyA(5000)
			busyB(30000)
		}
	})

	// Heap: allocations from a couple of sites.
	var keep [][]byte
	for i := 0; i < 2000; i++ {
		keep = append(keep, allocSmall(), allocLarge(i))
	}
	runtime.GC()
	write(*out, "heap.pb.gz", func(f *os.File) error { return pprof.Lookup("heap").WriteTo(f, 0) })
	runtime.KeepAlive(keep)

	// Mutex and block contention.
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				mu.Lock()
				time.Sleep(10 * time.Microsecond)
				mu.Unlock()
			}
		}()
	}
	ch := make(chan int)
	go func() {
		for i := 0; i < 50; i++ {
			time.Sleep(100 * time.Microsecond)
			ch <- i
		}
		close(ch)
	}()
	for range ch {
	}
	wg.Wait()
	write(*out, "mutex.pb.gz", func(f *os.File) error { return pprof.Lookup("mutex").WriteTo(f, 0) })
	write(*out, "block.pb.gz", func(f *os.File) error { return pprof.Lookup("block").WriteTo(f, 0) })
	close(stop)
	if *extra {
		writeExtra(*out, *cpuFor)
		writeGeneric(*out, *cpuFor)
	}
}

//go:noinline
func busyA(n int) {
	for i := 0; i < n; i++ {
		spin = spin*6364136223846793005 + 1442695040888963407
	}
}

//go:noinline
func busyB(n int) {
	for i := 0; i < n; i++ {
		spin ^= spin >> 13
		spin *= 0x9E3779B97F4A7C15
	}
}

//go:noinline
func allocSmall() []byte { b := make([]byte, 64); sink = b; return b }

//go:noinline
func allocLarge(i int) []byte { b := make([]byte, 4096+i%7); sink = b; return b }

func write(dir, name string, fn func(*os.File) error) {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		fail(err)
	}
	if err := fn(f); err != nil {
		fail(err)
	}
	if err := f.Close(); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "profgen:", err)
	os.Exit(1)
}
