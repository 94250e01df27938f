// tracegen writes a real Go execution trace (runtime/trace) to -out while the
// program exercises the scheduler, channels, a contended mutex, loopback TCP,
// file syscalls, sleeps, forced GCs, user tasks/regions/logs and the CPU
// profiler (whose samples land in the trace). Stdlib only; see README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	out := flag.String("out", "", "trace output file (required)")
	big := flag.Bool("big", false, "longer, busier run (several seconds, several generations)")
	rounds := flag.Int("rounds", 0, "stop after this many rounds (at most the run's duration): a small trace, for the checked-in fixtures")
	busy := flag.Duration("busy", 0, "instead of the rounds, a scheduler-heavy load for this long (benchmark traces of 100+ MB)")
	busyMB := flag.Int64("busy-mb", 0, "with the busy load: stop once this many MB (10^6 bytes) of trace were written (-busy is then the upper time bound, default 60s)")
	flag.Parse()
	if *out == "" || *busyMB < 0 {
		fmt.Fprintln(os.Stderr, "usage: tracegen -out FILE [-big | -busy DURATION | -busy-mb N [-busy DURATION]]")
		os.Exit(2)
	}
	if *busyMB > 0 && *busy <= 0 {
		*busy = 60 * time.Second
	}
	f, err := os.Create(*out)
	if err != nil {
		fail(err)
	}
	// trace.Start writes through w (from its own goroutine); w counts the bytes so the busy
	// load can stop at a size rather than a time (its rate varies a lot with the tracing
	// overhead).
	w := &countingWriter{w: f}
	if err := pprof.StartCPUProfile(io.Discard); err != nil {
		fail(err)
	}
	if err := trace.Start(w); err != nil {
		fail(err)
	}

	if *busy > 0 {
		start := time.Now()
		busyLoad(*busy, *busyMB*1_000_000, &w.n)
		elapsed := time.Since(start)
		trace.Stop()
		pprof.StopCPUProfile()
		if w.err != nil {
			fail(w.err)
		}
		if err := f.Close(); err != nil {
			fail(err)
		}
		fmt.Printf("tracegen: busy load done: %d bytes of trace in %.1fs\n", w.n.Load(), elapsed.Seconds())
		return
	}

	dur := 1 * time.Second
	scale := 1
	if *big {
		dur = 4 * time.Second
		scale = 4
	}
	deadline := time.Now().Add(dur)

	ctx, task := trace.NewTask(context.Background(), "tracegen.main")
	trace.Log(ctx, "tracegen.phase", "start")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	go echoServer(ln)

	dir, err := os.MkdirTemp("", "tracegen")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)

	var wg sync.WaitGroup
	var mu sync.Mutex
	counter := 0
	round := 0
	for time.Now().Before(deadline) && (*rounds <= 0 || round < *rounds) {
		round++
		rctx, rtask := trace.NewTask(ctx, "tracegen.round")
		trace.WithRegion(rctx, "tracegen.churn", func() { churn(&wg, 50*scale) })
		trace.WithRegion(rctx, "tracegen.channels", func() { pipeline(200 * scale) })
		trace.WithRegion(rctx, "tracegen.mutex", func() { contend(&wg, &mu, &counter, 8, 2000*scale) })
		trace.WithRegion(rctx, "tracegen.tcp", func() { tcpRoundTrips(ln.Addr().String(), 20*scale) })
		trace.WithRegion(rctx, "tracegen.files", func() { fileIO(dir, round, 10*scale) })
		trace.WithRegion(rctx, "tracegen.sleep", func() { time.Sleep(5 * time.Millisecond) })
		trace.WithRegion(rctx, "tracegen.gc", func() { garbage(); runtime.GC() })
		trace.WithRegion(rctx, "tracegen.cpu", func() { burn(20 * time.Millisecond) })
		trace.Logf(rctx, "tracegen.round", "round %d done", round)
		rtask.End()
	}
	trace.Log(ctx, "tracegen.phase", "end")
	task.End()
	ln.Close()

	trace.Stop()
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		fail(err)
	}
	fmt.Printf("tracegen: %d rounds, counter %d\n", round, counter)
}

// countingWriter passes writes to w and counts the bytes written (read concurrently by
// the busy load, hence atomic).
type countingWriter struct {
	w   io.Writer
	n   atomic.Int64
	err error // the first write error (only the trace writer goroutine writes)
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "tracegen:", err)
	os.Exit(1)
}

//go:noinline
func churn(wg *sync.WaitGroup, n int) {
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			runtime.Gosched()
			_ = fmt.Sprint(i)
		}(i)
	}
	wg.Wait()
}

//go:noinline
func pipeline(n int) {
	a := make(chan int)
	b := make(chan int, 4)
	go func() {
		for i := 0; i < n; i++ {
			a <- i
		}
		close(a)
	}()
	go func() {
		for v := range a {
			b <- v * 2
		}
		close(b)
	}()
	sum := 0
	for v := range b {
		sum += v
	}
	_ = sum
}

//go:noinline
func contend(wg *sync.WaitGroup, mu *sync.Mutex, counter *int, workers, iters int) {
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < iters; i++ {
				mu.Lock()
				*counter++
				if i%100 == 0 {
					time.Sleep(10 * time.Microsecond)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

func echoServer(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			io.Copy(c, c)
		}()
	}
}

//go:noinline
func tcpRoundTrips(addr string, n int) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		fail(err)
	}
	defer c.Close()
	buf := make([]byte, 512)
	for i := 0; i < n; i++ {
		if _, err := c.Write(buf); err != nil {
			fail(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			fail(err)
		}
	}
}

//go:noinline
func fileIO(dir string, round, n int) {
	for i := 0; i < n; i++ {
		p := filepath.Join(dir, fmt.Sprintf("f-%d-%d", round, i))
		if err := os.WriteFile(p, make([]byte, 4096), 0o600); err != nil {
			fail(err)
		}
		if _, err := os.ReadFile(p); err != nil {
			fail(err)
		}
		os.Remove(p)
	}
}

var sink [][]byte

//go:noinline
func garbage() {
	sink = nil
	for i := 0; i < 2000; i++ {
		sink = append(sink, make([]byte, 1024))
	}
}

//go:noinline
func burn(d time.Duration) {
	end := time.Now().Add(d)
	x := 1
	for time.Now().Before(end) {
		for i := 0; i < 10000; i++ {
			x = x*31 + i
		}
	}
	if x == 42 {
		fmt.Println(x)
	}
}

// busyLoad keeps every P switching goroutines: pairs ping-pong over unbuffered channels,
// short-lived goroutines are created, a mutex is contended and garbage forces GCs, so the
// trace grows by 5-40 MB per second (the benchmark's input). It stops after d, or
// earlier once *written reaches maxBytes (when maxBytes > 0). The ping-pong goroutines
// check the limits every 16 exchanges: they always run, whereas a goroutine woken by a
// timer, or one round of the main loop below, can wait seconds under this load.
func busyLoad(d time.Duration, maxBytes int64, written *atomic.Int64) {
	deadline := time.Now().Add(d)
	stop := make(chan struct{})
	var once sync.Once
	check := func() {
		if (maxBytes > 0 && written.Load() >= maxBytes) || !time.Now().Before(deadline) {
			once.Do(func() { close(stop) })
		}
	}
	go func() { // a backstop, e.g. for the deadline
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				check()
			}
		}
	}()
	stopped := func() bool {
		check()
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	var wg sync.WaitGroup
	for i := 0; i < 64; i++ {
		ping, pong := make(chan int), make(chan int)
		wg.Add(2)
		go func() {
			defer wg.Done()
			for v := range ping {
				pong <- v + 1
			}
			close(pong)
		}()
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				if n%16 == 0 {
					check()
					// Lets the goroutine that writes the trace run: without it, it can
					// wait seconds and the runtime buffers tens of MB, written only by
					// trace.Stop, past the size limit.
					runtime.Gosched()
				}
				select {
				case <-stop:
					close(ping)
					for range pong {
					}
					return
				case ping <- n:
					<-pong
				}
			}
		}()
	}
	var mu sync.Mutex
	var work sync.WaitGroup
	counter := 0
	for !stopped() {
		churn(&work, 100)
		if stopped() {
			break
		}
		contend(&work, &mu, &counter, 4, 200)
		if stopped() {
			break
		}
		garbage()
	}
	wg.Wait()
}
