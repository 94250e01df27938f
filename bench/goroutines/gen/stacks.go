package main

// The functions that make up the parked goroutines' stacks:
//
//	entry (12, the go statement) -> depth x middle (10, picked per level from
//	the route) -> leaf (numKinds blocking kinds)
//
// A goroutine's route (one of -routes, default 400) fixes its entry, its chain
// of middles and its leaf; its depth is the route's base depth plus 0..2. So a
// dump has a few hundred distinct function combinations and a little over a
// thousand distinct stacks, like a big real service, while the per-goroutine
// id varies the entry frames' arguments.

import (
	"time"
)

// ---- entries: each starts the goroutine from its own go statement ----

// sink is never written in practice (the goroutines never return); using the
// entry arguments after the call keeps them live, so tracebacks print their
// values instead of "0x0?".
var sink int

var entries = []func(spec){
	startHTTPHandler, startGRPCStream, startKafkaConsumer, startCronJob,
	startWebsocketPump, startCacheRefresher, startBatchWriter, startMetricsPusher,
	startSessionReaper, startQueueWorker, startRetryLoop, startWatchdog,
}

func startHTTPHandler(s spec)    { go serveHTTPRequest(s, s.id&0xffff, "GET") }
func startGRPCStream(s spec)     { go handleGRPCStream(s, s.id&0xfff) }
func startKafkaConsumer(s spec)  { go consumePartition(s, s.id%64, int64(s.id)) }
func startCronJob(s spec)        { go runCronJob(s, s.id%24) }
func startWebsocketPump(s spec)  { go pumpWebsocket(s, s.id&0xff, true) }
func startCacheRefresher(s spec) { go refreshCacheShard(s, s.id%256) }
func startBatchWriter(s spec)    { go writeBatch(s, s.id%1000, s.depth) }
func startMetricsPusher(s spec)  { go pushMetrics(s, float64(s.id%1000)/10) }
func startSessionReaper(s spec)  { go reapSessions(s, s.id%32) }
func startQueueWorker(s spec)    { go processQueue(s, s.id%16, s.kind) }
func startRetryLoop(s spec)      { go retryWithBackoff(s, s.id%8) }
func startWatchdog(s spec)       { go watchService(s, s.id&0x3ff) }

//go:noinline
func serveHTTPRequest(s spec, reqID int, method string) {
	descend(s, s.depth)
	sink += reqID + len(method)
}

//go:noinline
func handleGRPCStream(s spec, streamID int) {
	descend(s, s.depth)
	sink += streamID
}

//go:noinline
func consumePartition(s spec, partition int, offset int64) {
	descend(s, s.depth)
	sink += partition + int(offset)
}

//go:noinline
func runCronJob(s spec, hour int) {
	descend(s, s.depth)
	sink += hour
}

//go:noinline
func pumpWebsocket(s spec, connID int, write bool) {
	descend(s, s.depth)
	if write {
		sink += connID
	}
}

//go:noinline
func refreshCacheShard(s spec, shard int) {
	descend(s, s.depth)
	sink += shard
}

//go:noinline
func writeBatch(s spec, batch, size int) {
	descend(s, s.depth)
	sink += batch * size
}

//go:noinline
func pushMetrics(s spec, rate float64) {
	descend(s, s.depth)
	sink += int(rate)
}

//go:noinline
func reapSessions(s spec, bucket int) {
	descend(s, s.depth)
	sink += bucket
}

//go:noinline
func processQueue(s spec, queue, prio int) {
	descend(s, s.depth)
	sink += queue + prio
}

//go:noinline
func retryWithBackoff(s spec, attempt int) {
	descend(s, s.depth)
	sink += attempt
}

//go:noinline
func watchService(s spec, svc int) {
	descend(s, s.depth)
	sink += svc
}

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
