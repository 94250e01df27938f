package main

// Long-lived goroutines that are part of normal operation and must NOT be
// reported as leaks: a fixed worker pool (idle in "chan receive") and a few
// ticker loops (idle in "select"). GET /work feeds the pool and also spawns
// short-lived goroutines (churn) that finish within milliseconds.

import (
	"crypto/sha256"
	"encoding/binary"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

const poolSize = 8

type job struct {
	id    int
	input []byte
	reply chan<- [32]byte
}

// jobs is the pool's queue. It is package-level (always reachable), so idle
// workers are never considered leaked.
var jobs = make(chan job, 64)

var (
	jobsDone   atomic.Int64
	churnDone  atomic.Int64
	tickCounts [3]atomic.Int64
)

func startWorkerPool(n int, done <-chan struct{}) {
	for i := 0; i < n; i++ {
		go poolWorker(i, jobs)
	}
}

// poolWorker is one of the poolSize steady workers; idle, it waits in
// "chan receive" on the shared jobs channel.
func poolWorker(id int, queue <-chan job) {
	for j := range queue {
		sum := sha256.Sum256(j.input)
		jobsDone.Add(1)
		j.reply <- sum
	}
}

func startTickers(done <-chan struct{}) {
	go metricsFlusher(done, 500*time.Millisecond)
	go cacheJanitor(done, 2*time.Second)
	go heartbeat(done, 5*time.Second)
}

// metricsFlusher, cacheJanitor and heartbeat are ticker loops: idle, each waits
// in "select" on its ticker and the shutdown channel.
func metricsFlusher(done <-chan struct{}, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			tickCounts[0].Add(1)
		case <-done:
			return
		}
	}
}

func cacheJanitor(done <-chan struct{}, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			tickCounts[1].Add(1)
		case <-done:
			return
		}
	}
}

func heartbeat(done <-chan struct{}, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			tickCounts[2].Add(1)
		case <-done:
			return
		}
	}
}

// handleWork (GET /work?n=N, default 16) queues N jobs on the worker pool and
// runs N short-lived helper goroutines, waiting for all of them. Nothing is
// left behind.
func handleWork(w http.ResponseWriter, r *http.Request) {
	n := intParam(r, "n", 16, 1, 10000)
	replies := make(chan [32]byte, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		buf := make([]byte, 64)
		binary.LittleEndian.PutUint64(buf, uint64(i))
		jobs <- job{id: i, input: buf, reply: replies}
		wg.Add(1)
		go shortTask(&wg, i)
	}
	var x byte
	for i := 0; i < n; i++ {
		s := <-replies
		x ^= s[0]
	}
	wg.Wait()
	writeJSON(w, map[string]any{"jobs": n, "xor": x, "jobs_done": jobsDone.Load(), "churn_done": churnDone.Load()})
}

// shortTask is churn: it lives for a millisecond or so and exits.
func shortTask(wg *sync.WaitGroup, i int) {
	defer wg.Done()
	time.Sleep(time.Duration(200+i%5*100) * time.Microsecond)
	churnDone.Add(1)
}

func intParam(r *http.Request, name string, def, min, max int) int {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return def
	}
	if n < min {
		return min
	}
	if n > max {
		return max
	}
	return n
}
