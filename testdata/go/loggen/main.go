// loggen writes real log lines with the logging libraries Go services use, for goscope's
// logs tests and benchmark. Modes:
//
//	-mode all -out FILE -truth FILE   every library, in turn, into one file (a mixed log), and
//	                                  what each call logged (time, level, message, ids) as JSON lines;
//	                                  with -torn, also lines cut mid-way and binary garbage between
//	                                  the libraries' sections (truth: their line and why unreadable)
//	-mode crash                       a few slog lines on stderr, then an unrecovered panic
//	-mode godebug -truth FILE         slog lines on stderr while the GC runs (run it with
//	                                  GODEBUG=gctrace=1,schedtrace=N); the truth file gets NumGC
//	-mode big -out FILE -mb N -trace-id ID -every K
//	                                  N MiB of slog JSON with trace ids; ID on every K-th line
package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"time"
)

// event is one thing every library logs, each in its own way.
type event struct {
	at      time.Time
	level   string // canonical: debug, info, warn, error
	msg     string
	err     error
	traceID string // 32 hex, '' when untraced
	spanID  string
}

var base = time.Date(2026, 3, 14, 9, 26, 53, 589793238, time.UTC)

func ids(r *rand.Rand) (string, string) {
	var t [16]byte
	var s [8]byte
	for i := range t {
		t[i] = byte(r.UintN(256))
	}
	for i := range s {
		s[i] = byte(r.UintN(256))
	}
	return hex.EncodeToString(t[:]), hex.EncodeToString(s[:])
}

// events: the same day in a service, told by each library with different numbers.
func events(r *rand.Rand, start time.Time) []event {
	var out []event
	at := start
	add := func(level, msg string, err error, traced bool) {
		e := event{at: at, level: level, msg: msg, err: err}
		if traced {
			e.traceID, e.spanID = ids(r)
		}
		out = append(out, e)
		at = at.Add(time.Duration(2_000_000_000 + r.Int64N(9_000_000_000)))
	}
	for i := 0; i < 6; i++ {
		add("info", fmt.Sprintf("GET /api/orders/%d served in %d ms", 1000+r.IntN(9000), 1+r.IntN(400)), nil, true)
		add("debug", fmt.Sprintf("cache miss for key \"session:%x\"", r.Uint32()), nil, i%2 == 0)
		if i%2 == 1 {
			add("warn", fmt.Sprintf("slow query took %d ms", 500+r.IntN(3000)), nil, true)
		}
		add("error", fmt.Sprintf("payment failed for order %d", 10000+r.IntN(90000)), errors.New("card declined"), true)
		if i%3 == 0 {
			add("error", fmt.Sprintf("dial tcp 10.0.%d.%d:5432: connect: connection refused", r.IntN(255), r.IntN(255)), errors.New("connection refused"), i != 3)
			add("error", fmt.Sprintf("user %08x-%04x-%04x-%04x-%012x not found", r.Uint32(), uint16(r.Uint32()), uint16(r.Uint32()), uint16(r.Uint32()), r.Uint64()&0xffffffffffff), nil, true)
		}
	}
	return out
}

func main() {
	mode := flag.String("mode", "all", "all, crash, godebug or big")
	out := flag.String("out", "", "log file (all, big)")
	truthPath := flag.String("truth", "", "truth file (all, godebug)")
	mb := flag.Int("mb", 16, "size in MiB (big)")
	traceID := flag.String("trace-id", "4bf92f3577b34da6a3ce929d0e0e4736", "the trace id to plant (big)")
	every := flag.Int("every", 100000, "plant the trace id on every K-th line (big)")
	torn := flag.Bool("torn", false, "also write torn lines and binary garbage (all)")
	flag.Parse()
	switch *mode {
	case "all":
		all(*out, *truthPath, *torn)
	case "crash":
		crash()
	case "godebug":
		godebug(*truthPath)
	case "big":
		big(*out, *mb, *traceID, *every)
	default:
		fmt.Fprintf(os.Stderr, "unknown mode %q\n", *mode)
		os.Exit(2)
	}
}

func all(outPath, truthPath string, torn bool) {
	f, err := os.Create(outPath)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	w := &countingWriter{w: f}
	rec := newRecorder(w, truthPath)
	r := rand.New(rand.NewPCG(1, 2))
	// The log package reads the clock itself: the other libraries' events are placed in the
	// hour before now so that one file tells one stretch of time, as a real one does.
	start := time.Now().UTC().Add(-time.Hour).Truncate(time.Minute).Add(base.Sub(base.Truncate(time.Minute)))
	next := func() []event {
		evs := events(r, start)
		start = evs[len(evs)-1].at.Add(3 * time.Second)
		return evs
	}
	tear := func(kind int) {
		if torn {
			rec.torn(kind, r)
		}
	}
	slogJSON(rec, next())
	tear(tornCut)
	slogText(rec, next())
	zapProd(rec, next())
	tear(tornGarbage)
	zapDev(rec, next())
	logrusJSON(rec, next())
	tear(tornZeros)
	logrusText(rec, next())
	zerologJSON(rec, next())
	tear(tornCut)
	gokitLogfmt(rec, next())
	stdlog(rec, next())
	panics(rec, r)
	tear(tornGarbage)
}

func crash() {
	h := slog.NewJSONHandler(os.Stderr, nil)
	l := slog.New(h)
	l.Info("starting worker pool", "workers", 4)
	l.Warn("queue is filling up", "depth", 900)
	done := make(chan struct{})
	go func() {
		var m map[string]int
		m["boom"]++ // assignment to entry in nil map
		close(done)
	}()
	<-done
}

func godebug(truthPath string) {
	l := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	var keep [][]byte
	for i := 0; i < 5; i++ {
		for j := 0; j < 2000; j++ {
			keep = append(keep, make([]byte, 1024))
		}
		l.Info("batch allocated", "batch", i, "kept", len(keep))
		runtime.GC()
	}
	// schedtrace prints every N ms: stay long enough for a few of its lines.
	time.Sleep(300 * time.Millisecond)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	f, err := os.Create(truthPath)
	if err != nil {
		panic(err)
	}
	json.NewEncoder(f).Encode(map[string]any{"numGC": ms.NumGC, "numForcedGC": ms.NumForcedGC, "gomaxprocs": runtime.GOMAXPROCS(0), "kept": len(keep)})
	f.Close()
}

// big writes N MiB of slog JSON lines as a busy service would; the planted trace id's lines
// are counted on stdout.
func big(outPath string, mb int, traceID string, every int) {
	f, err := os.Create(outPath)
	if err != nil {
		panic(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	cw := &byteCounter{w: bw}
	l := slog.New(slog.NewJSONHandler(cw, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r := rand.New(rand.NewPCG(3, 4))
	ctx := context.Background()
	at := base
	planted := 0
	limit := int64(mb) << 20
	paths := []string{"/api/orders", "/api/users", "/api/cart", "/healthz", "/api/payments"}
	for n := 1; cw.n < limit; n++ {
		tid, sid := ids(r)
		if n%every == 0 {
			tid = traceID
			planted++
		}
		at = at.Add(time.Duration(r.IntN(2_000_000)))
		lvl := slog.LevelInfo
		msg := "request served"
		switch r.IntN(20) {
		case 0:
			lvl, msg = slog.LevelError, "payment failed"
		case 1, 2:
			lvl, msg = slog.LevelWarn, "slow query"
		case 3:
			lvl, msg = slog.LevelDebug, "cache miss"
		}
		rec := slog.NewRecord(at, lvl, msg, 0)
		rec.AddAttrs(slog.String("service", "checkout"), slog.String("method", "GET"), slog.String("path", paths[r.IntN(len(paths))]),
			slog.Int("status", 200), slog.Int("bytes", r.IntN(50000)), slog.Duration("elapsed", time.Duration(r.IntN(300_000_000))),
			slog.String("trace_id", tid), slog.String("span_id", sid))
		if err := l.Handler().Handle(ctx, rec); err != nil {
			panic(err)
		}
	}
	if err := bw.Flush(); err != nil {
		panic(err)
	}
	f.Close()
	fmt.Printf("planted %d\n", planted)
}

type byteCounter struct {
	w interface{ Write([]byte) (int, error) }
	n int64
}

func (b *byteCounter) Write(p []byte) (int, error) {
	b.n += int64(len(p))
	return b.w.Write(p)
}
