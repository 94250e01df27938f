package main

// Goroutine leaks, one pattern per endpoint. Every request to a /leak/...
// endpoint leaves exactly ONE goroutine blocked forever, always in the same
// named function at the same line (see README.md for the table).
//
// Patterns 1-3 and 5 block on primitives that nothing else can reach (a local
// channel or WaitGroup), so Go 1.26's goroutineleak profile reports them.
// Pattern 4 blocks on a package-level mutex, which stays reachable, so the
// detector does not report it even though it is just as stuck.

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

var leakSeq atomic.Int64

// ---- 1. GET /leak/timeout: send on an unbuffered channel nobody reads ----

// handleLeakTimeout asks computeQuote for a result but gives up after 5ms; the
// worker finishes later and blocks forever in "chan send".
func handleLeakTimeout(w http.ResponseWriter, r *http.Request) {
	result := make(chan int) // unbuffered: the bug
	go computeQuote(result, int(leakSeq.Add(1)))
	select {
	case v := <-result:
		fmt.Fprintf(w, "quote %d\n", v)
	case <-time.After(5 * time.Millisecond):
		http.Error(w, "quote timed out", http.StatusGatewayTimeout)
	}
}

// computeQuote is the leaked goroutine of pattern 1.
func computeQuote(result chan<- int, seq int) {
	time.Sleep(20 * time.Millisecond)
	result <- seq * 42 // LEAK: blocks forever, the handler stopped listening
}

// ---- 2. GET /leak/range: range over a channel that is never closed ----

// handleLeakRange starts consumeEvents, sends it two events and returns
// without closing the channel.
func handleLeakRange(w http.ResponseWriter, r *http.Request) {
	events := make(chan string)
	go consumeEvents(events)
	events <- "created"
	events <- "updated"
	// BUG: missing close(events)
	fmt.Fprintln(w, "2 events sent")
}

// consumeEvents is the leaked goroutine of pattern 2.
func consumeEvents(events <-chan string) {
	n := 0
	for ev := range events { // LEAK: blocks forever in "chan receive"
		n += len(ev)
	}
	_ = n
}

// ---- 3. GET /leak/waitgroup: Add(2) but only one Done ----

var errShardDown = errors.New("shard unavailable")

// handleLeakWaitGroup fans out to two shards and has awaitShards collect them;
// shard 1 fails and returns early without calling Done.
func handleLeakWaitGroup(w http.ResponseWriter, r *http.Request) {
	wg := new(sync.WaitGroup)
	wg.Add(2)
	for shard := 0; shard < 2; shard++ {
		go fetchShard(wg, shard)
	}
	go awaitShards(wg)
	fmt.Fprintln(w, "fan-out started")
}

// fetchShard calls wg.Done only on success: the error path forgets it.
func fetchShard(wg *sync.WaitGroup, shard int) {
	if err := queryShard(shard); err != nil {
		return // BUG: missing wg.Done()
	}
	wg.Done()
}

func queryShard(shard int) error {
	if shard == 1 {
		return errShardDown
	}
	return nil
}

// awaitShards is the leaked goroutine of pattern 3.
func awaitShards(wg *sync.WaitGroup) {
	wg.Wait() // LEAK: blocks forever in "sync.WaitGroup.Wait"
}

// ---- 4. GET /leak/lock: a mutex that is never unlocked ----

// auditLog is long-lived (package-level), so the detector can still reach its
// mutex and does not report goroutines stuck on it.
var auditLog struct {
	mu      sync.Mutex
	ready   bool
	entries []string
}

var errAuditSink = errors.New("audit sink not ready")

// startAuditSink records the service start. This first audit ever takes
// recordAudit's error path, which returns while still holding auditLog.mu, so
// from then on every recordAudit goroutine blocks (one per /leak/lock request).
func startAuditSink() {
	recordAudit("service started")
}

// handleLeakLock records an audit entry in the background and returns at once.
func handleLeakLock(w http.ResponseWriter, r *http.Request) {
	go recordAudit(fmt.Sprintf("request %d from %s", leakSeq.Add(1), r.RemoteAddr))
	fmt.Fprintln(w, "audit queued")
}

// recordAudit is the leaked goroutine of pattern 4.
func recordAudit(entry string) {
	auditLog.mu.Lock() // LEAK: blocks forever in "sync.Mutex.Lock"
	if err := openAuditSink(); err != nil {
		return // BUG: returns without auditLog.mu.Unlock()
	}
	auditLog.entries = append(auditLog.entries, entry)
	auditLog.mu.Unlock()
}

func openAuditSink() error {
	if !auditLog.ready {
		auditLog.ready = true
		return errAuditSink
	}
	return nil
}

// ---- 5. GET /leak/nilchan: receive from a nil channel ----

type configWatcher struct {
	updates chan string // BUG: never initialised
}

// handleLeakNilChan starts waitForConfig on a watcher whose channel is nil.
func handleLeakNilChan(w http.ResponseWriter, r *http.Request) {
	cw := &configWatcher{}
	go waitForConfig(cw)
	fmt.Fprintln(w, "watching config")
}

// waitForConfig is the leaked goroutine of pattern 5.
func waitForConfig(cw *configWatcher) {
	cfg := <-cw.updates // LEAK: blocks forever in "chan receive (nil chan)"
	_ = cfg
}
