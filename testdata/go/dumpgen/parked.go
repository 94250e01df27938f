package main

// Waiting for the goroutines of parkAll to reach the places where they block,
// by reading the goroutine dump, rather than sleeping a fixed time: on a busy
// machine a goroutine can take longer than any sleep to get there, and a dump
// taken early shows it running or runnable (or, for the goroutineleak profile,
// not yet leaked).

import (
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
	"time"
)

// busy matches the header of a goroutine that has not blocked yet.
var busy = regexp.MustCompile(`^goroutine \d+ [^[\n]*\[(running|runnable)[,\]]`)

// settle returns once every goroutine parkAll started is blocked. In the crash
// modes the spinners then run on their own for a moment while main sleeps, as in
// a service that crashes out of the blue: the crash finds spinInMemmove running
// on another thread, its stack unavailable (right after waitUntil's last look,
// a stop-the-world, they may not be running yet).
func settle(opt parkOptions) {
	waitUntil(allParked)
	if opt.crash {
		time.Sleep(100 * time.Millisecond)
	}
}

// waitUntil polls the dump of all goroutines until done(dump) holds; after a
// minute it gives up with exit code 6.
func waitUntil(done func(dump string) bool) {
	deadline := time.Now().Add(time.Minute)
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n == len(buf) {
			buf = make([]byte, 2*len(buf))
			continue
		}
		if done(string(buf[:n])) {
			return
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "dumpgen: goroutines did not block within a minute:\n%s\n", buf[:n])
			os.Exit(6)
		}
		time.Sleep(time.Millisecond)
	}
}

// allParked: every goroutine is blocked, except the one asking (waitUntil) and
// the ones that spin by design.
func allParked(dump string) bool {
	for _, g := range strings.Split(dump, "\n\n") {
		if !busy.MatchString(g) {
			continue
		}
		if strings.Contains(g, "\nmain.waitUntil(") || strings.Contains(g, "\nmain.spinCPU(") || strings.Contains(g, "\nmain.spinInMemmove(") {
			continue
		}
		return false
	}
	return true
}

// writerWaiting: blockRWMutexLock waits for the reader that holds rw, so a
// reader started now queues behind it.
func writerWaiting(dump string) bool {
	for _, g := range strings.Split(dump, "\n\n") {
		if strings.Contains(g, "\nmain.blockRWMutexLock(") && strings.Contains(g, "[sync.RWMutex.Lock") {
			return true
		}
	}
	return false
}
