package main

import (
	"context"
	"log/slog"
	"runtime"
	"strconv"
	"time"
)

type traceKey struct{}

type spanCtx struct{ trace, span string }

// traceHandler adds the trace and span ids of the context, as services do with slog.
type traceHandler struct {
	slog.Handler
	traceKey, spanKey string
}

func (h traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc, ok := ctx.Value(traceKey{}).(spanCtx); ok {
		r.AddAttrs(slog.String(h.traceKey, sc.trace), slog.String(h.spanKey, sc.span))
	}
	return h.Handler.Handle(ctx, r)
}

func slogLevel(l string) slog.Level {
	switch l {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// emit logs e at its own time through h, with the caller's pc for the source field.
func emit(ctx context.Context, h slog.Handler, e event, attrs ...slog.Attr) {
	var pcs [1]uintptr
	runtime.Callers(2, pcs[:])
	r := slog.NewRecord(e.at, slogLevel(e.level), e.msg, pcs[0])
	r.AddAttrs(attrs...)
	if e.err != nil {
		r.AddAttrs(slog.Any("err", e.err))
	}
	_ = h.Handle(ctx, r)
}

// ddLow is the trace id as Datadog's tracer logs it: the lower 64 bits, in decimal.
func ddLow(hexID string) string {
	v, _ := strconv.ParseUint(hexID[len(hexID)-16:], 16, 64)
	return strconv.FormatUint(v, 10)
}

func slogJSON(rec *recorder, evs []event) {
	opts := &slog.HandlerOptions{AddSource: true, Level: slog.LevelDebug}
	h := traceHandler{slog.NewJSONHandler(rec.w, opts).WithAttrs([]slog.Attr{slog.String("service", "checkout")}), "trace_id", "span_id"}
	for i, e := range evs {
		t := truth{Dialect: "slog-json", PrecisionNs: 1, Level: e.level, Msg: e.msg, Service: "checkout", SourceFile: thisFile()}
		if e.err != nil {
			t.Error = e.err.Error()
		}
		ctx := context.Background()
		var attrs []slog.Attr
		if e.traceID != "" {
			t.TraceID, t.SpanID = e.traceID, e.spanID
			if i%3 == 2 {
				// Datadog's ids: decimal, lower 64 bits, in a group ({"dd":{"trace_id":…}}).
				t.TraceKey = "dd.trace_id"
				t.TraceID = "0000000000000000" + e.traceID[16:]
				d, _ := strconv.ParseUint(e.spanID, 16, 64)
				attrs = append(attrs, slog.Group("dd", slog.String("trace_id", ddLow(e.traceID)), slog.String("span_id", strconv.FormatUint(d, 10))))
			} else {
				t.TraceKey = "trace_id"
				ctx = context.WithValue(ctx, traceKey{}, spanCtx{e.traceID, e.spanID})
			}
		}
		rec.log(t, e.at, func() { emit(ctx, h, e, attrs...) })
	}
}

func slogText(rec *recorder, evs []event) {
	opts := &slog.HandlerOptions{AddSource: true, Level: slog.LevelDebug}
	h := traceHandler{slog.NewTextHandler(rec.w, opts).WithAttrs([]slog.Attr{slog.String("service", "cart")}), "traceID", "spanID"}
	for i, e := range evs {
		// slog's text handler writes times to the millisecond.
		t := truth{Dialect: "logfmt", PrecisionNs: int64(time.Millisecond), Level: e.level, Msg: e.msg, Service: "cart", SourceFile: thisFile()}
		if e.err != nil {
			t.Error = e.err.Error()
		}
		ctx := context.Background()
		var attrs []slog.Attr
		if e.traceID != "" {
			t.TraceID, t.SpanID = e.traceID, e.spanID
			if i%2 == 1 {
				// A group: trace.id=… span.id=…
				t.TraceKey = "trace.id"
				attrs = append(attrs, slog.Group("trace", slog.String("id", e.traceID)), slog.Group("span", slog.String("id", e.spanID)))
			} else {
				t.TraceKey = "traceID"
				ctx = context.WithValue(ctx, traceKey{}, spanCtx{e.traceID, e.spanID})
			}
		}
		rec.log(t, e.at, func() { emit(ctx, h, e, attrs...) })
	}
}
