package main

// One clearly named hot spot per profile type, so a profile of the loaded demo
// has an obvious answer:
//
//	CPU          main.hashChain, main.sievePrimes   GET /cpu       (work.go)
//	allocations  main.buildReportRows               GET /alloc
//	in-use heap  main.fillSessionCache              GET /cache
//	mutex        main.contendedWorker (hotMu)       GET /contended (work.go)
//	block        main.gatherReplies (chan receive)  GET /fanout
//
// None of them leaves a goroutine behind.

import (
	"net/http"
	"sync"
	"time"
)

// lastReportRow makes every row escape to the heap (a row that provably stays
// local would be stack-allocated and never reach the allocation profile).
var lastReportRow []byte

// handleAlloc (GET /alloc?kb=N, default 1024) allocates about N KiB of
// short-lived garbage in buildReportRows.
func handleAlloc(w http.ResponseWriter, r *http.Request) {
	kb := intParam(r, "kb", 1024, 1, 1<<20)
	rows, sum := buildReportRows(kb*1024/reportRowBytes+1, reportRowBytes)
	writeJSON(w, map[string]any{"kb": kb, "rows": rows, "checksum": sum})
}

const reportRowBytes = 4096

// buildReportRows allocates a fresh buffer for every row and drops it: the
// top of alloc_space / alloc_objects, and nothing of it survives.
func buildReportRows(rows, rowBytes int) (int, int) {
	sum := 0
	for i := 0; i < rows; i++ {
		row := make([]byte, rowBytes)
		row[i%rowBytes] = byte(i)
		sum += int(row[i%rowBytes])
		lastReportRow = row
	}
	return rows, sum
}

// sessionCache only grows (until cacheLimit, then the oldest entries are
// evicted): the top of inuse_space.
var sessionCache = struct {
	sync.Mutex
	entries [][]byte
	bytes   int
}{}

// cacheLimit bounds sessionCache (flag -cache-mb).
var cacheLimit = 32 << 20

// handleCache (GET /cache?kb=N, default 256) retains N KiB more in the session cache.
func handleCache(w http.ResponseWriter, r *http.Request) {
	kb := intParam(r, "kb", 256, 1, 1<<16)
	n, total := fillSessionCache(kb * 1024)
	writeJSON(w, map[string]any{"kb": kb, "entries": n, "cached_bytes": total})
}

// fillSessionCache allocates one entry and keeps it.
func fillSessionCache(size int) (int, int) {
	entry := make([]byte, size)
	for i := 0; i < len(entry); i += 512 {
		entry[i] = byte(i >> 9)
	}
	sessionCache.Lock()
	defer sessionCache.Unlock()
	sessionCache.entries = append(sessionCache.entries, entry)
	sessionCache.bytes += size
	for sessionCache.bytes > cacheLimit && len(sessionCache.entries) > 1 {
		sessionCache.bytes -= len(sessionCache.entries[0])
		sessionCache.entries[0] = nil
		sessionCache.entries = sessionCache.entries[1:]
	}
	return len(sessionCache.entries), sessionCache.bytes
}

// handleFanout (GET /fanout?ms=N, default 20) asks 4 backends (goroutines that
// sleep ~N ms) and waits for all replies in gatherReplies.
func handleFanout(w http.ResponseWriter, r *http.Request) {
	ms := intParam(r, "ms", 20, 1, 10000)
	const backends = 4
	replies := make(chan int, backends) // buffered: a backend never blocks
	for i := 0; i < backends; i++ {
		go slowBackend(replies, i, time.Duration(ms)*time.Millisecond)
	}
	writeJSON(w, map[string]any{"ms": ms, "backends": backends, "sum": gatherReplies(replies, backends)})
}

// slowBackend stands for a remote call (time.Sleep is not a blocking event in
// the block profile, so only the waiting side shows there).
func slowBackend(replies chan<- int, i int, d time.Duration) {
	time.Sleep(d + time.Duration(i)*time.Millisecond)
	replies <- i
}

// gatherReplies waits in "chan receive" for every backend: the top of the
// block profile (delay/nanoseconds).
func gatherReplies(replies <-chan int, n int) int {
	sum := 0
	for i := 0; i < n; i++ {
		sum += <-replies
	}
	return sum
}
