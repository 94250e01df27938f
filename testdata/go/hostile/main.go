// hostile: a Go service whose every piece of text is hostile to a terminal, for goscope's
// terminal-escape tests (test/terminal-escapes.test.ts). The test builds it in a folder
// whose name holds escape sequences, so file paths in stacks, profiles and traces carry
// them too; the program adds pprof labels, execution-trace task, region and log names and
// HTTP reason phrases and headers that hold line breaks, ESC sequences, C1 controls and
// bidi overrides. Standard library only.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"sort"
	"strings"
	"sync"
	"time"
)

// The pieces of hostile text: what a terminal would act on if it were printed raw.
const (
	// OSC 0 sets the window title (ended by BEL), CSI 2J clears the screen.
	osc = "\x1b]0;T\x07\x1b[2J"
	// The C1 CSI, read as ESC [ by some terminals, and the right-to-left override.
	c1   = "\u009b2J"
	bidi = "\u202e"
	// A line break that would start a line of its own in the output.
	fakeGoroutine = "\ngoroutine 99 [running]:"
	fakeVerdict   = "\nverdict: all clear (fake)"
)

var (
	addr   = flag.String("addr", "127.0.0.1:0", "listen address")
	leakMs = flag.Int("leak-every", 50, "start a goroutine that never returns every this many ms (at most -leak-max)")
	leakMx = flag.Int("leak-max", 3000, "most goroutines the leak starts")
)

var block = make(chan struct{}) // never closed: what every parked goroutine waits on

// Kept alive so the heap profile has something at a file:line of this program.
var hoard [][]byte

func main() {
	flag.Parse()
	runtime.SetMutexProfileFraction(5)
	runtime.SetBlockProfileRate(1_000_000)
	hoardMemory()
	startLabelled()
	go leak()
	go burn()
	go traced()
	go contend()

	mux := http.DefaultServeMux
	mux.HandleFunc("/reason", reason)
	mux.HandleFunc("/echo", echo)
	mux.HandleFunc("/metrics", metrics)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("hostile listening on http://%s\n", ln.Addr())
	log.Fatal(http.Serve(ln, mux))
}

func hoardMemory() {
	for i := 0; i < 64; i++ {
		hoard = append(hoard, make([]byte, 64<<10))
	}
}

// startLabelled parks goroutines whose pprof labels (keys and values) hold every kind of
// hostile text: the goroutine views print labels, Go 1.27 in the debug=2 header itself.
func startLabelled() {
	labels := []pprof.LabelSet{
		pprof.Labels("handler", "/api"+osc, "tenant"+c1, "t1"+fakeGoroutine),
		pprof.Labels("cr", "a\rb", "bidi"+bidi, "x"+bidi+"y", "ls", "a\u2028b"),
	}
	for _, set := range labels {
		for i := 0; i < 3; i++ {
			go pprof.Do(context.Background(), set, func(context.Context) { parked() })
		}
	}
}

func parked() { <-block }

// leak starts goroutines that never return, steadily: a leak to find, at hostile paths.
func leak() {
	for n := 0; n < *leakMx; n++ {
		go leakyWorker(make(chan int))
		time.Sleep(time.Duration(*leakMs) * time.Millisecond)
	}
}

func leakyWorker(results chan int) {
	results <- 1 // nobody receives
}

// burn keeps a little CPU busy (about a tenth of a core) so a CPU profile has samples here.
func burn() {
	sum := sha256.Sum256(nil)
	for {
		until := time.Now().Add(time.Millisecond)
		for time.Now().Before(until) {
			sum = sha256.Sum256(sum[:])
		}
		time.Sleep(9 * time.Millisecond)
	}
}

// traced creates execution-trace tasks, regions and logs with hostile names; they are
// recorded only while a trace is being taken, and cost next to nothing otherwise.
func traced() {
	for {
		ctx, task := trace.NewTask(context.Background(), "task"+osc+c1+bidi+fakeVerdict)
		trace.WithRegion(ctx, "region\r"+osc+fakeVerdict, func() {
			trace.Log(ctx, "category"+osc, "message"+c1+fakeVerdict)
			time.Sleep(2 * time.Millisecond)
		})
		task.End()
		time.Sleep(3 * time.Millisecond)
	}
}

// contend makes a little mutex contention for the mutex profile.
func contend() {
	var mu sync.Mutex
	for i := 0; i < 2; i++ {
		go func() {
			for {
				mu.Lock()
				time.Sleep(time.Millisecond)
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
}

// reason answers with a status line and headers net/http would never write: it takes the
// connection over and writes the bytes itself, request after request (keep-alive).
func reason(w http.ResponseWriter, r *http.Request) {
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer conn.Close()
	const body = "ok" + osc + "\n"
	for {
		fmt.Fprintf(rw, "HTTP/1.1 200 OK%s%s%s\r\n", osc, c1, bidi)
		fmt.Fprintf(rw, "X-Hostile%s: value%s\r%s%s\r\n", osc, osc, c1, bidi)
		fmt.Fprintf(rw, "Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		if rw.Flush() != nil {
			return
		}
		req, err := http.ReadRequest(rw.Reader)
		if err != nil {
			return
		}
		req.Body.Close()
	}
}

// echo returns the request headers it received as goscope's demo /echo does
// ({"headers": [[name, value], ...]}), plus one a hostile proxy would have added.
func echo(w http.ResponseWriter, r *http.Request) {
	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	headers := [][2]string{}
	for _, name := range names {
		for _, v := range r.Header[name] {
			headers = append(headers, [2]string{name, v})
		}
	}
	headers = append(headers, [2]string{"X-Added" + osc, "by a proxy" + c1 + bidi + fakeGoroutine})
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"headers": headers, "host": r.Host})
}

// metrics serves a Prometheus text exposition (written here, as a small exporter would)
// whose metric names, label names and values, help texts and Go version hold the hostile
// text, in places each of goscope metrics' problems quotes: a family without help, an
// empty label value, URL paths with ids, the same quantity under two names, a histogram
// whose buckets are not cumulative, camelCase, and the cardinality table. Names are
// Prometheus 3's quoted UTF-8 names; values escape only what the format requires.
func metrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace
	name := func(n string) string { return `"` + esc(n) + `"` }
	var b strings.Builder
	reqs := "requests_total" + osc
	fmt.Fprintf(&b, "# HELP %s Requests%s\\nverdict: all clear (fake)\n", name(reqs), c1)
	fmt.Fprintf(&b, "# TYPE %s counter\n", name(reqs))
	for i, p := range []string{"/api" + osc + fakeGoroutine, "/x" + bidi + fakeVerdict, ""} {
		fmt.Fprintf(&b, "{%s,%s=\"%s\",code=\"200\"} %d\n", name(reqs), name("path"+c1), esc(p), i+1)
	}
	// URL paths with ids (unbounded), each with the escapes after its id.
	paths := "path_requests_total" + bidi
	fmt.Fprintf(&b, "# TYPE %s counter\n", name(paths))
	for i := 0; i < 8; i++ {
		fmt.Fprintf(&b, "{%s,path=\"%s\"} 1\n", name(paths), esc(fmt.Sprintf("/users/%d/orders%s%s", 4711+i*13, osc, fakeGoroutine)))
	}
	// The same quantity twice, no help: the names hold the escapes.
	for _, n := range []string{"hostile" + osc + "_request_duration_seconds", "hostile" + osc + "_request_latency_ms"} {
		fmt.Fprintf(&b, "# TYPE %s gauge\n%s 0.25\n", name(n), name(n))
	}
	// A histogram whose buckets are not cumulative, with a hostile label value.
	h := "wait" + c1 + "_seconds"
	fmt.Fprintf(&b, "# HELP %s Wait.\n# TYPE %s histogram\n", name(h), name(h))
	for _, bk := range []struct{ le, n string }{{"0.1", "6"}, {"1", "4"}, {"+Inf", "9"}} {
		fmt.Fprintf(&b, "{%s,queue=\"%s\",le=\"%s\"} %s\n", name(h+"_bucket"), esc("q"+osc+fakeVerdict), bk.le, bk.n)
	}
	fmt.Fprintf(&b, "{%s,queue=\"%s\"} 2\n{%s,queue=\"%s\"} 9\n", name(h+"_sum"), esc("q"+osc+fakeVerdict), name(h+"_count"), esc("q"+osc+fakeVerdict))
	// camelCase label name with escapes; the Go version go_info reports.
	fmt.Fprintf(&b, "# HELP cache_hits_total Hits.\n# TYPE cache_hits_total counter\ncache_hits_total{%s=\"x\"} 1\n", name("resultCode"+bidi))
	fmt.Fprintf(&b, "# HELP go_info Go version.\n# TYPE go_info gauge\ngo_info{version=\"%s\"} 1\n", esc("go1.26"+osc+fakeGoroutine))
	fmt.Fprintf(&b, "# HELP go_goroutines Goroutines.\n# TYPE go_goroutines gauge\ngo_goroutines %d\n", runtime.NumGoroutine())
	_, _ = w.Write([]byte(b.String()))
}
