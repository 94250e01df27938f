package main

// Goroutines parked in as many distinct runtime states as we can reach, each
// in its own, distinctly named function so the dumps are easy to check.
//
// The primitives of the ordinary states are package-level (always reachable),
// so the goroutineleak detector must NOT report them. The leaked* functions
// block on primitives nothing else can reach, so it must report those (as well
// as select{} and nil-channel operations, which can never proceed).

import (
	"context"
	"net"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"
)

var (
	sendCh    = make(chan int)
	recvCh    = make(chan string)
	selectA   = make(chan int)
	selectB   = make(chan string)
	lockedCh  = make(chan struct{})
	labelCh   = make(chan struct{})
	deepCh    = make(chan struct{})
	childCh   = make(chan struct{})
	inlineCh  = make(chan int)
	lateCh    = make(chan struct{})
	heldMu    sync.Mutex
	rw        sync.RWMutex
	neverDone sync.WaitGroup
	condMu    sync.Mutex
	cond      = sync.NewCond(&condMu)
	condReady bool
	spins     atomic.Uint64
	netConns  []net.Conn // keeps the loopback connections reachable
	listener  net.Listener
)

// deepDepth is how many recurseDeep frames the deep goroutine has; more than
// 100 frames makes the runtime elide the middle ones.
const deepDepth = 200

// parkOptions selects the optional groups of goroutines.
type parkOptions struct {
	timersAndIO bool // sleep, IO wait, syscall and the spinning goroutine
	crash       bool // also spinInMemmove (crash modes only, see there)
}

// withOddLabels adds blockWithOddLabels (the -odd-labels flag, oddlabels.go).
var withOddLabels bool

// parkAll starts every goroutine and gives them time to block.
func parkAll(opt parkOptions) {
	go blockChanSend(sendCh, 42)
	go blockChanRecv(recvCh)
	go blockSelect(selectA, selectB)
	go blockSelectNoCases()
	go blockNilChanRecv()
	go blockNilChanSend(7)

	heldMu.Lock() // held by main forever
	go blockMutexLock(&heldMu)

	rw.RLock() // a reader holds rw, so a writer waits in RWMutex.Lock ...
	go blockRWMutexLock(&rw)
	waitUntil(writerWaiting)
	go blockRWMutexRLock(&rw) // ... and a later reader waits behind the writer

	neverDone.Add(1)
	go blockWaitGroupWait(&neverDone)
	go blockCondWait()

	go blockLockedToThread(lockedCh)
	go startLabeled()
	if withOddLabels {
		go startOddLabeled()
	}
	go recurseDeep(1, deepDepth)
	go spawnChildren(3)
	go blockInlined(inlineCh)

	go leakedSender(1001)
	go leakedReceiver()
	go leakedWaitGroup()

	if opt.timersAndIO {
		go blockSleep(time.Hour)
		startLoopbackIO()
		startSyscallBlocker()
		go spinCPU(&spins)
	}
	if opt.crash {
		go spinInMemmove()
	}

	// Let everything park.
	settle(opt)
}

//go:noinline
func blockChanSend(ch chan<- int, v int) {
	ch <- v // [chan send]
}

//go:noinline
func blockChanRecv(ch <-chan string) {
	<-ch // [chan receive]
}

func blockSelect(a <-chan int, b <-chan string) {
	select { // [select]
	case <-a:
	case <-b:
	}
}

func blockSelectNoCases() {
	select {} // [select (no cases)]
}

func blockNilChanRecv() {
	var ch chan int
	<-ch // [chan receive (nil chan)]
}

func blockNilChanSend(v int) {
	var ch chan int
	ch <- v // [chan send (nil chan)]
}

//go:noinline
func blockMutexLock(mu *sync.Mutex) {
	mu.Lock() // [sync.Mutex.Lock]
}

func blockRWMutexLock(mu *sync.RWMutex) {
	mu.Lock() // [sync.RWMutex.Lock]
}

func blockRWMutexRLock(mu *sync.RWMutex) {
	mu.RLock() // [sync.RWMutex.RLock]
}

//go:noinline
func blockWaitGroupWait(wg *sync.WaitGroup) {
	wg.Wait() // [sync.WaitGroup.Wait]
}

//go:noinline
func blockCondWait() {
	condMu.Lock()
	for !condReady {
		cond.Wait() // [sync.Cond.Wait]
	}
	condMu.Unlock()
}

//go:noinline
func blockSleep(d time.Duration) {
	time.Sleep(d) // [sleep]
}

// blockLockedToThread wires itself to its OS thread: ", locked to thread".
//
//go:noinline
func blockLockedToThread(ch <-chan struct{}) {
	runtime.LockOSThread()
	<-ch // [chan receive, locked to thread]
}

// startLabeled runs blockWithLabels under pprof labels; the goroutine it
// starts inherits them.
func startLabeled() {
	labels := pprof.Labels("handler", "/api/x", "tenant", "t1")
	pprof.Do(context.Background(), labels, func(ctx context.Context) {
		go labeledChild(ctx)
		blockWithLabels(labelCh)
	})
}

//go:noinline
func blockWithLabels(ch <-chan struct{}) {
	<-ch // [chan receive], labels handler=/api/x tenant=t1
}

func labeledChild(ctx context.Context) {
	select { // [select], inherited labels
	case <-ctx.Done():
	case <-labelCh:
	}
}

// recurseDeep calls itself until depth reaches max, then blocks: the traceback
// has more than 100 frames, so the runtime elides the middle ones.
//
//go:noinline
func recurseDeep(depth, max int) int {
	if depth >= max {
		<-deepCh // [chan receive] at the bottom of deepDepth frames
		return depth
	}
	return recurseDeep(depth+1, max) + 1
}

// spawnChildren runs in a goroutine started by main and starts n children
// (created by main.spawnChildren in goroutine <not 1>); the first child starts a
// grandchild in turn.
//
//go:noinline
func spawnChildren(n int) {
	for i := 0; i < n; i++ {
		go childWorker(i)
	}
	<-childCh // [chan receive]
}

//go:noinline
func childWorker(i int) {
	if i == 0 {
		go grandchildWorker(i * 10)
	}
	<-childCh // [chan receive]
}

func grandchildWorker(i int) {
	<-childCh // [chan receive]
	_ = i
}

// recvInlined is small enough to be inlined: its frame prints as
// "main.recvInlined(...)".
func recvInlined(ch <-chan int) int {
	return <-ch
}

//go:noinline
func blockInlined(ch <-chan int) {
	v := recvInlined(ch) // [chan receive] inside an inlined frame
	_ = v
}

// spinCPU never blocks: "running" / "runnable", and in crash dumps usually
// "goroutine running on other thread; stack unavailable".
//
//go:noinline
func spinCPU(n *atomic.Uint64) {
	for {
		n.Add(1)
	}
}

// Package-level (not heap) buffers: using them allocates nothing, so they
// cannot trigger a GC.
var bigSrc, bigDst [32 << 20]byte

// spinInMemmove is busy like spinCPU but spends nearly all of its time inside
// runtime.memmove, an assembly function where the runtime cannot preempt it.
// When main crashes, the runtime's best-effort "freeze the world" therefore
// does not stop it, and the crash traceback prints it as
//
//	goroutine N [running]:
//		goroutine running on other thread; stack unavailable
//
// It would equally delay any stop-the-world (GC, runtime.Stack), so only the
// crash modes start it.
//
//go:noinline
func spinInMemmove() {
	for {
		copy(bigDst[:], bigSrc[:])
		spins.Add(1)
	}
}

// blockStartedLate is started by minutes mode after its GC: no GC has seen it
// blocked, so the runtime does not know how long it has waited.
//
//go:noinline
func blockStartedLate(ch <-chan struct{}) {
	<-ch // [chan receive] without ", N minutes"
}

// ---- leaked: blocked on primitives nobody else can reach ----

func leakedSender(v int) {
	ch := make(chan int)
	ch <- v // [chan send (leaked)] under the goroutineleak detector
}

func leakedReceiver() {
	ch := make(chan string)
	<-ch // [chan receive (leaked)]
}

func leakedWaitGroup() {
	wg := new(sync.WaitGroup)
	wg.Add(1)
	wg.Wait() // [sync.WaitGroup.Wait (leaked)]
}

// ---- IO wait on a loopback TCP connection ----

func startLoopbackIO() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	listener = ln
	accepted := make(chan net.Conn, 1)
	go acceptOne(ln, accepted)
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	server := <-accepted
	netConns = append(netConns, client, server)
	go blockNetRead(server)
	go acceptForever(ln)
}

func acceptOne(ln net.Listener, out chan<- net.Conn) {
	c, err := ln.Accept()
	if err != nil {
		panic(err)
	}
	out <- c
}

func acceptForever(ln net.Listener) {
	for {
		c, err := ln.Accept() // [IO wait]
		if err != nil {
			return
		}
		netConns = append(netConns, c)
	}
}

//go:noinline
func blockNetRead(c net.Conn) {
	buf := make([]byte, 512)
	_, _ = c.Read(buf) // [IO wait]
}
