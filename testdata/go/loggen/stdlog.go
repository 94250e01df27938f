package main

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"time"
)

// stdlog: the log package's default flags plus microseconds and the short file name. It
// reads the clock itself and writes local time without a zone.
func stdlog(rec *recorder, evs []event) {
	l := log.New(rec.w, "", log.LstdFlags|log.Lmicroseconds|log.Lshortfile)
	for _, e := range evs {
		t := truth{Dialect: "stdlog", PrecisionNs: int64(time.Microsecond), Level: "", Msg: e.msg, SourceFile: thisFile()}
		rec.logNow(t, func() { l.Print(e.msg) })
	}
}

// panics: recovered panics logged the two ways services do: net/http's "http: panic
// serving" with the stack on the lines after (a goroutine traceback inside the log), and
// slog JSON with the stack in a field.
func panics(rec *recorder, r *rand.Rand) {
	l := log.New(rec.w, "", log.LstdFlags|log.Lmicroseconds)
	for i := 0; i < 2; i++ {
		port := 40000 + r.IntN(20000)
		t := truth{Dialect: "stdlog", PrecisionNs: int64(time.Microsecond), Msg: fmt.Sprintf("http: panic serving 127.0.0.1:%d: %v", port, panicValue(i)), PanicBlock: true}
		rec.logNow(t, func() {
			defer func() {
				if v := recover(); v != nil {
					l.Printf("http: panic serving 127.0.0.1:%d: %v\n%s", port, v, debug.Stack())
				}
			}()
			handler(i)
		})
	}
	h := slog.NewJSONHandler(rec.w, nil)
	at := time.Now().UTC()
	e := event{at: at, level: "error", msg: "panic recovered"}
	t := truth{Dialect: "slog-json", PrecisionNs: 1, Level: "error", Msg: e.msg, Stack: true}
	rec.log(t, at, func() {
		defer func() {
			if v := recover(); v != nil {
				emit(context.Background(), h, e, slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			}
		}()
		handler(1)
	})
}

func panicValue(i int) string {
	if i == 0 {
		return "runtime error: invalid memory address or nil pointer dereference"
	}
	return fmt.Sprintf("order %d has no items", 500+i)
}

//go:noinline
func handler(i int) {
	if i == 0 {
		var p *struct{ n int }
		p.n++
	}
	panic(fmt.Sprintf("order %d has no items", 500+i))
}
