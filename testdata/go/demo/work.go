package main

// CPU-heavy and lock-contended endpoints used for CPU, mutex and block
// profiles.

import (
	"crypto/sha256"
	"net/http"
	"sync"
	"time"
)

// handleCPU (GET /cpu?ms=N, default 50) burns about N ms of CPU.
func handleCPU(w http.ResponseWriter, r *http.Request) {
	ms := intParam(r, "ms", 50, 1, 60000)
	start := time.Now()
	deadline := start.Add(time.Duration(ms) * time.Millisecond)
	var rounds, primes int
	var sum [32]byte
	for time.Now().Before(deadline) {
		sum = hashChain(sum, 2000)
		primes += sievePrimes(20000)
		rounds++
	}
	writeJSON(w, map[string]any{"ms": ms, "rounds": rounds, "primes": primes, "digest": sum[0], "took_ms": time.Since(start).Milliseconds()})
}

// hashChain hashes seed n times.
func hashChain(seed [32]byte, n int) [32]byte {
	for i := 0; i < n; i++ {
		seed = sha256.Sum256(seed[:])
	}
	return seed
}

// sievePrimes counts primes below n with a sieve of Eratosthenes.
func sievePrimes(n int) int {
	composite := make([]bool, n)
	count := 0
	for i := 2; i < n; i++ {
		if composite[i] {
			continue
		}
		count++
		for j := i * i; j < n; j += i {
			composite[j] = true
		}
	}
	return count
}

// hotMu is the single global lock that /contended workers fight over.
var hotMu sync.Mutex
var hotCounter uint64

// handleContended (GET /contended?ms=N, default 50) runs 8 goroutines for
// about N ms that repeatedly take hotMu and hold it briefly.
func handleContended(w http.ResponseWriter, r *http.Request) {
	ms := intParam(r, "ms", 50, 1, 60000)
	deadline := time.Now().Add(time.Duration(ms) * time.Millisecond)
	const workers = 8
	var wg sync.WaitGroup
	acquired := make([]int, workers)
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go contendedWorker(&wg, deadline, &acquired[i])
	}
	wg.Wait()
	total := 0
	for _, n := range acquired {
		total += n
	}
	writeJSON(w, map[string]any{"ms": ms, "workers": workers, "acquisitions": total})
}

// contendedWorker takes hotMu in a loop, holding it for a few microseconds of
// real work each time, until deadline.
func contendedWorker(wg *sync.WaitGroup, deadline time.Time, acquired *int) {
	defer wg.Done()
	for time.Now().Before(deadline) {
		hotMu.Lock()
		holdHotLock()
		hotMu.Unlock()
		*acquired++
	}
}

// holdHotLock does a little work while hotMu is held.
func holdHotLock() {
	var s [32]byte
	for i := 0; i < 20; i++ {
		s = sha256.Sum256(s[:])
	}
	hotCounter += uint64(s[0])
}
