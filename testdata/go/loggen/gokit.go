package main

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	kitlog "github.com/go-kit/log"
	"github.com/go-kit/log/level"
)

// gokitLogfmt: go-kit/log's logfmt logger as go-kit services set it up (ts, caller, level
// from the level package). The ids vary by line: upper-case hex written with %X under
// trace_id (what a tracer's ID type with a %X String method prints), lower-case hex under
// traceId, and Datadog's decimal low 64 bits as a bare number under dd.trace_id.
func gokitLogfmt(rec *recorder, evs []event) {
	var now time.Time
	var l kitlog.Logger = kitlog.NewLogfmtLogger(kitlog.NewSyncWriter(rec.w))
	l = kitlog.With(l, "ts", kitlog.TimestampFormat(func() time.Time { return now }, time.RFC3339Nano), "caller", kitlog.DefaultCaller, "service", "inventory")
	for i, e := range evs {
		t := truth{Dialect: "logfmt", PrecisionNs: 1, Level: e.level, Msg: e.msg, Service: "inventory", SourceFile: thisFile()}
		var lv kitlog.Logger
		switch e.level {
		case "debug":
			lv = level.Debug(l)
		case "warn":
			lv = level.Warn(l)
		case "error":
			lv = level.Error(l)
		default:
			lv = level.Info(l)
		}
		kv := []any{"msg", e.msg}
		if e.err != nil {
			t.Error = e.err.Error()
			kv = append(kv, "err", e.err)
		}
		if e.traceID != "" {
			t.TraceID, t.SpanID = e.traceID, e.spanID
			switch i % 3 {
			case 0:
				tb, _ := hex.DecodeString(e.traceID)
				sb, _ := hex.DecodeString(e.spanID)
				t.TraceKey = "trace_id"
				kv = append(kv, "trace_id", fmt.Sprintf("%X", tb), "span_id", fmt.Sprintf("%X", sb))
			case 1:
				t.TraceKey = "traceId"
				kv = append(kv, "traceId", e.traceID, "spanId", e.spanID)
			default:
				t.TraceKey = "dd.trace_id"
				t.TraceID = "0000000000000000" + e.traceID[16:]
				lo, _ := strconv.ParseUint(e.traceID[16:], 16, 64)
				sp, _ := strconv.ParseUint(e.spanID, 16, 64)
				kv = append(kv, "dd.trace_id", lo, "dd.span_id", sp)
			}
		}
		now = e.at
		rec.log(t, e.at, func() { _ = lv.Log(kv...) })
	}
}
