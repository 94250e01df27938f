// Command demo is a small, realistic HTTP service used by goscope's tests and
// demos. It serves net/http/pprof on the same listener as its API and plants
// goroutine leaks on demand (see README.md and leaks.go).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	httppprof "net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"sort"
	"sync"
	"syscall"
	"time"
)

var started = time.Now()

// requestStats counts requests per route pattern; served by GET /stats.
var requestStats = struct {
	sync.Mutex
	byRoute map[string]int64
}{byRoute: map[string]int64{}}

func countRequest(route string) {
	requestStats.Lock()
	requestStats.byRoute[route]++
	requestStats.Unlock()
}

// handle registers h for route (a Go 1.22 mux pattern such as "GET /work") and
// counts every request it serves under the route's path.
func handle(mux *http.ServeMux, pattern, route string, h http.HandlerFunc) {
	mux.HandleFunc(pattern, instrument(route, func(w http.ResponseWriter, r *http.Request) {
		countRequest(route)
		h(w, r)
	}))
}

func newMux() *http.ServeMux {
	mux := http.NewServeMux()

	// net/http/pprof, registered explicitly on our own mux (the package's
	// init only registers on http.DefaultServeMux). pprof.Index serves the
	// named profiles: goroutine, heap, allocs, block, mutex, threadcreate and,
	// when the runtime has it, goroutineleak.
	mux.HandleFunc("/debug/pprof/", func(w http.ResponseWriter, r *http.Request) {
		countRequest("/debug/pprof/")
		httppprof.Index(w, r)
	})
	mux.HandleFunc("/debug/pprof/cmdline", httppprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", httppprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", httppprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", httppprof.Trace)

	mux.Handle("GET /metrics", metricsHandler()) // metrics.go: client_golang, with planted mistakes
	handle(mux, "GET /healthz", "/healthz", handleHealthz)
	handle(mux, "GET /stats", "/stats", handleStats)
	handle(mux, "GET /work", "/work", handleWork)
	handle(mux, "GET /cpu", "/cpu", handleCPU)
	handle(mux, "GET /contended", "/contended", handleContended)
	handle(mux, "GET /alloc", "/alloc", handleAlloc)
	handle(mux, "GET /cache", "/cache", handleCache)
	handle(mux, "GET /fanout", "/fanout", handleFanout)

	handle(mux, "GET /leak/timeout", "/leak/timeout", handleLeakTimeout)
	handle(mux, "GET /leak/range", "/leak/range", handleLeakRange)
	handle(mux, "GET /leak/waitgroup", "/leak/waitgroup", handleLeakWaitGroup)
	handle(mux, "GET /leak/lock", "/leak/lock", handleLeakLock)
	handle(mux, "GET /leak/nilchan", "/leak/nilchan", handleLeakNilChan)

	registerHTTPLab(mux) // httplab.go: /echo, /via/echo, /delay, /slowbody, /bytes, /status, /redirect
	registerRamp(mux)    // ramp.go: /ramp/slow, /ramp/proxy
	return mux
}

func handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

func handleStats(w http.ResponseWriter, r *http.Request) {
	requestStats.Lock()
	routes := make([]string, 0, len(requestStats.byRoute))
	for k := range requestStats.byRoute {
		routes = append(routes, k)
	}
	sort.Strings(routes)
	counts := make(map[string]int64, len(routes))
	for _, k := range routes {
		counts[k] = requestStats.byRoute[k]
	}
	requestStats.Unlock()

	writeJSON(w, map[string]any{
		"requests":   counts,
		"goroutines": runtime.NumGoroutine(),
		"uptime_ms":  time.Since(started).Milliseconds(),
		"pid":        os.Getpid(),
		"go":         runtime.Version(),
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		log.Printf("demo: writing response: %v", err)
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (host:port; port 0 picks a free port)")
	mutexFraction := flag.Int("mutex-fraction", 5, "runtime.SetMutexProfileFraction (0 disables the mutex profile)")
	blockRate := flag.Int("block-rate", 10000, "runtime.SetBlockProfileRate in ns (0 disables the block profile)")
	writeTimeout := flag.Duration("write-timeout", 0, "http.Server WriteTimeout (0: none)")
	cacheMB := flag.Int("cache-mb", 32, "size limit of the /cache session cache in MiB")
	tlsAddr := flag.String("tls-addr", "", "also serve HTTPS (HTTP/2 via ALPN) on this address with a fresh self-signed certificate (empty: no TLS listener)")
	tlsCertOut := flag.String("tls-cert-out", "", "write the TLS certificate (PEM) to this file")
	tlsValid := flag.Duration("tls-valid", 72*time.Hour, "TLS certificate validity from now (NotBefore is now-1h; negative: already expired)")
	tlsMin := flag.String("tls-min", "1.2", "minimum TLS version: 1.2 or 1.3")
	stall := flag.Bool("stall", false, "also open a listener whose TCP connects hang (full accept queue) and print its address")
	flag.Parse()

	// Profiles used by goscope's mutex/block analysis.
	runtime.SetMutexProfileFraction(*mutexFraction)
	runtime.SetBlockProfileRate(*blockRate)
	cacheLimit = *cacheMB << 20

	done := make(chan struct{})
	startAuditSink()
	startWorkerPool(poolSize, done)
	startTickers(done)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "demo: listen %s: %v\n", *addr, err)
		os.Exit(1)
	}
	srv := &http.Server{
		Handler:           newMux(),
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      *writeTimeout,
		// Keep idle keep-alive connections open long enough for tools that
		// reuse one connection across a long session.
		IdleTimeout: 2 * time.Minute,
	}
	enableH2C(srv) // h2c.go: HTTP/2 with prior knowledge on the plain listener too
	setLabUpstream(ln.Addr())

	var tlsLn net.Listener
	var tlsSrv *http.Server
	if *tlsAddr != "" {
		tlsLn, tlsSrv, err = listenTLS(srv, *tlsAddr, *tlsCertOut, *tlsMin, *tlsValid)
		if err != nil {
			fmt.Fprintf(os.Stderr, "demo: tls %s: %v\n", *tlsAddr, err)
			os.Exit(1)
		}
	}

	// The line callers wait for; os.Stdout is unbuffered in Go.
	fmt.Fprintf(os.Stdout, "demo listening on http://%s\n", ln.Addr().String())
	if tlsLn != nil {
		fmt.Fprintf(os.Stdout, "demo listening on https://%s\n", tlsLn.Addr().String())
	}
	if *stall {
		addr, err := listenStalled()
		if err != nil {
			fmt.Fprintf(os.Stderr, "demo: stalled listener: %v\n", err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stdout, "demo stalling connects on %s\n", addr)
	}

	serveErr := make(chan error, 2)
	go func() { serveErr <- srv.Serve(ln) }()
	if tlsSrv != nil {
		go func() { serveErr <- tlsSrv.ServeTLS(tlsLn, "", "") }()
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case s := <-sig:
		log.Printf("demo: got %v, shutting down", s)
	case err := <-serveErr:
		fmt.Fprintf(os.Stderr, "demo: serve: %v\n", err)
		os.Exit(1)
	}
	close(done)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var stopped sync.WaitGroup
	for _, s := range []*http.Server{srv, tlsSrv} {
		if s == nil {
			continue
		}
		stopped.Add(1)
		go func(s *http.Server) {
			defer stopped.Done()
			if err := s.Shutdown(ctx); err != nil {
				// Connections still busy after the grace period: close them.
				_ = s.Close()
			}
		}(s)
	}
	stopped.Wait()
}
