package main

import (
	"strconv"
	"time"

	"github.com/rs/zerolog"
)

// zerologJSON: Unix milliseconds as a number, the caller, Datadog's ids as JSON numbers
// (beyond 2^53: a reader that parses them as doubles gets them wrong).
func zerologJSON(rec *recorder, evs []event) {
	var now time.Time
	zerolog.TimestampFunc = func() time.Time { return now }
	zerolog.TimeFieldFormat = zerolog.TimeFormatUnixMs
	l := zerolog.New(rec.w).Level(zerolog.DebugLevel).With().Timestamp().Caller().Str("service", "ledger").Logger()
	for _, e := range evs {
		t := truth{Dialect: "zerolog", PrecisionNs: int64(time.Millisecond), Level: e.level, Msg: e.msg, Service: "ledger", SourceFile: thisFile()}
		var ev *zerolog.Event
		switch e.level {
		case "debug":
			ev = l.Debug()
		case "warn":
			ev = l.Warn()
		case "error":
			ev = l.Error()
		default:
			ev = l.Info()
		}
		if e.err != nil {
			t.Error = e.err.Error()
			ev = ev.Err(e.err)
		}
		if e.traceID != "" {
			t.TraceID, t.SpanID, t.TraceKey = "0000000000000000"+e.traceID[16:], e.spanID, "dd.trace_id"
			lo, _ := strconv.ParseUint(e.traceID[16:], 16, 64)
			sp, _ := strconv.ParseUint(e.spanID, 16, 64)
			ev = ev.Uint64("dd.trace_id", lo).Uint64("dd.span_id", sp)
		}
		now = e.at
		rec.log(t, e.at, func() { ev.Msg(e.msg) })
	}
}
