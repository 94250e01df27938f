package main

// The functions that make up the parked goroutines' stacks:
//
//	entry (12, the go statement) -> depth x middle (10, picked per level from
//	the seed) -> leaf (numKinds blocking kinds)
//
// giving 12 x 10 x 10 = 1200 distinct (entry, first middle, leaf)
// combinations, many more distinct full stacks, and depths 1..maxdepth.

import (
	"time"
)

// ---- entries: each starts the goroutine from its own go statement ----

var entries = []func(spec){
	startHTTPHandler, startGRPCStream, startKafkaConsumer, startCronJob,
	startWebsocketPump, startCacheRefresher, startBatchWriter, startMetricsPusher,
	startSessionReaper, startQueueWorker, startRetryLoop, startWatchdog,
}

func startHTTPHandler(s spec)    { go serveHTTPRequest(s, s.seed&0xffff, "GET") }
func startGRPCStream(s spec)     { go handleGRPCStream(s, s.seed&0xfff) }
func startKafkaConsumer(s spec)  { go consumePartition(s, s.seed%64, int64(s.seed)) }
func startCronJob(s spec)        { go runCronJob(s, s.seed%24) }
func startWebsocketPump(s spec)  { go pumpWebsocket(s, s.seed&0xff, true) }
func startCacheRefresher(s spec) { go refreshCacheShard(s, s.seed%256) }
func startBatchWriter(s spec)    { go writeBatch(s, s.seed%1000, s.depth) }
func startMetricsPusher(s spec)  { go pushMetrics(s, float64(s.seed%1000)/10) }
func startSessionReaper(s spec)  { go reapSessions(s, s.seed%32) }
func startQueueWorker(s spec)    { go processQueue(s, s.seed%16, s.kind) }
func startRetryLoop(s spec)      { go retryWithBackoff(s, s.seed%8) }
func startWatchdog(s spec)       { go watchService(s, s.seed&0x3ff) }

//go:noinline
func serveHTTPRequest(s spec, reqID int, method string) { descend(s, s.depth) }

//go:noinline
func handleGRPCStream(s spec, streamID int) { descend(s, s.depth) }

//go:noinline
func consumePartition(s spec, partition int, offset int64) { descend(s, s.depth) }

//go:noinline
func runCronJob(s spec, hour int) { descend(s, s.depth) }

//go:noinline
func pumpWebsocket(s spec, connID int, write bool) { descend(s, s.depth) }

//go:noinline
func refreshCacheShard(s spec, shard int) { descend(s, s.depth) }

//go:noinline
func writeBatch(s spec, batch, size int) { descend(s, s.depth) }

//go:noinline
func pushMetrics(s spec, rate float64) { descend(s, s.depth) }

//go:noinline
func reapSessions(s spec, bucket int) { descend(s, s.depth) }

//go:noinline
func processQueue(s spec, queue, prio int) { descend(s, s.depth) }

//go:noinline
func retryWithBackoff(s spec, attempt int) { descend(s, s.depth) }

//go:noinline
func watchService(s spec, svc int) { descend(s, s.depth) }

// ---- middles: the call chain between the entry and the blocking leaf ----

var mids []func(seed, kind, d int) int

func init() {
	// Assigned here: the middles call through mids themselves.
	mids = []func(seed, kind, d int) int{
		authMiddleware, loggingMiddleware, tracingMiddleware, rateLimiter, decodeRequest,
		validateInput, loadFromStore, applyBusinessRules, encodeResponse, withRetry,
	}
}

// pick chooses the middle for level d of a goroutine.
func pick(seed, d int) int {
	return int(mix(uint64(seed)+uint64(d)) % 10)
}

// descend starts the chain below an entry: d middle frames, then the leaf.
//
//go:noinline
func descend(s spec, d int) {
	if d <= 0 {
		leaves[s.kind](s.seed)
		return
	}
	mids[pick(s.seed, d)](s.seed, s.kind, d-1)
}

// Each middle is one frame; the dispatch is written out in each (not a helper
// call) so that no inlined frame is added per level.

//go:noinline
func authMiddleware(seed, kind, d int) int {
	if d <= 0 {
		leaves[kind](seed)
		return d
	}
	return mids[pick(seed, d)](seed, kind, d-1) + d
}

//go:noinline
func loggingMiddleware(seed, kind, d int) int {
	if d <= 0 {
		leaves[kind](seed)
		return d
	}
	return mids[pick(seed, d)](seed, kind, d-1) + d
}

//go:noinline
func tracingMiddleware(seed, kind, d int) int {
	if d <= 0 {
		leaves[kind](seed)
		return d
	}
	return mids[pick(seed, d)](seed, kind, d-1) + d
}

//go:noinline
func rateLimiter(seed, kind, d int) int {
	if d <= 0 {
		leaves[kind](seed)
		return d
	}
	return mids[pick(seed, d)](seed, kind, d-1) + d
}

//go:noinline
func decodeRequest(seed, kind, d int) int {
	if d <= 0 {
		leaves[kind](seed)
		return d
	}
	return mids[pick(seed, d)](seed, kind, d-1) + d
}

//go:noinline
func validateInput(seed, kind, d int) int {
	if d <= 0 {
		leaves[kind](seed)
		return d
	}
	return mids[pick(seed, d)](seed, kind, d-1) + d
}

//go:noinline
func loadFromStore(seed, kind, d int) int {
	if d <= 0 {
		leaves[kind](seed)
		return d
	}
	return mids[pick(seed, d)](seed, kind, d-1) + d
}

//go:noinline
func applyBusinessRules(seed, kind, d int) int {
	if d <= 0 {
		leaves[kind](seed)
		return d
	}
	return mids[pick(seed, d)](seed, kind, d-1) + d
}

//go:noinline
func encodeResponse(seed, kind, d int) int {
	if d <= 0 {
		leaves[kind](seed)
		return d
	}
	return mids[pick(seed, d)](seed, kind, d-1) + d
}

//go:noinline
func withRetry(seed, kind, d int) int {
	if d <= 0 {
		leaves[kind](seed)
		return d
	}
	return mids[pick(seed, d)](seed, kind, d-1) + d
}

// ---- leaves: one per blocking kind ----

const numKinds = 10

var leaves = [numKinds]func(seed int){
	waitChanSend, waitChanRecv, waitSelect, waitMutex, waitRWMutexRLock,
	waitWaitGroup, waitCond, waitSleep, waitNilChan, waitChanRecv,
}

//go:noinline
func waitChanSend(seed int) {
	parked.Add(1)
	sendChs[seed%len(sendChs)] <- seed // [chan send]
}

//go:noinline
func waitChanRecv(seed int) {
	parked.Add(1)
	<-recvChs[seed%len(recvChs)] // [chan receive]
}

//go:noinline
func waitSelect(seed int) {
	parked.Add(1)
	select { // [select]
	case <-selChA:
	case <-selChB:
	case <-released:
	}
}

//go:noinline
func waitMutex(seed int) {
	parked.Add(1)
	bigMu.Lock() // [sync.Mutex.Lock]
}

//go:noinline
func waitRWMutexRLock(seed int) {
	parked.Add(1)
	bigRW.RLock() // [sync.RWMutex.RLock]
}

//go:noinline
func waitWaitGroup(seed int) {
	parked.Add(1)
	bigWG.Wait() // [sync.WaitGroup.Wait]
}

//go:noinline
func waitCond(seed int) {
	condMu.Lock()
	parked.Add(1)
	for !never {
		bigCond.Wait() // [sync.Cond.Wait]
	}
	condMu.Unlock()
}

//go:noinline
func waitSleep(seed int) {
	parked.Add(1)
	time.Sleep(time.Hour + time.Duration(seed%3600)*time.Second) // [sleep]
}

//go:noinline
func waitNilChan(seed int) {
	var ch chan int
	parked.Add(1)
	<-ch // [chan receive (nil chan)]
}
