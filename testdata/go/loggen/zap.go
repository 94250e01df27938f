package main

import (
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// fixedClock hands zap the time of the event being logged.
type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time                         { return c.t }
func (c *fixedClock) NewTicker(d time.Duration) *time.Ticker { return time.NewTicker(d) }

func zapLevel(l string) zapcore.Level {
	switch l {
	case "debug":
		return zapcore.DebugLevel
	case "warn":
		return zapcore.WarnLevel
	case "error":
		return zapcore.ErrorLevel
	}
	return zapcore.InfoLevel
}

func zapEvents(rec *recorder, evs []event, l *zap.Logger, clk *fixedClock, t0 truth, traceKey, spanKey string, stackFrom zapcore.Level) {
	for _, e := range evs {
		t := t0
		t.Level, t.Msg = e.level, e.msg
		t.Stack = zapLevel(e.level) >= stackFrom
		var fields []zap.Field
		if e.err != nil {
			t.Error = e.err.Error()
			fields = append(fields, zap.Error(e.err))
		}
		if e.traceID != "" {
			t.TraceID, t.SpanID, t.TraceKey = e.traceID, e.spanID, traceKey
			fields = append(fields, zap.String(traceKey, e.traceID), zap.String(spanKey, e.spanID))
		}
		clk.t = e.at
		rec.log(t, e.at, func() {
			if ce := l.Check(zapLevel(e.level), e.msg); ce != nil {
				ce.Write(fields...)
			}
		})
	}
}

// zapProd: zap.NewProduction's encoder (JSON, "ts" as float seconds, stack traces from Error).
func zapProd(rec *recorder, evs []event) {
	clk := &fixedClock{}
	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(rec.w), zapcore.DebugLevel)
	l := zap.New(core, zap.AddCaller(), zap.AddStacktrace(zapcore.ErrorLevel), zap.WithClock(clk)).With(zap.String("service", "payments"))
	// A float64 of Unix seconds keeps about a quarter of a microsecond.
	t0 := truth{Dialect: "zap-json", PrecisionNs: 1000, Service: "payments", SourceFile: thisFile()}
	zapEvents(rec, evs, l, clk, t0, "traceId", "spanId", zapcore.ErrorLevel)
}

// zapDev: zap.NewDevelopment's console encoder (tab-separated, ISO 8601 to the millisecond,
// fields as JSON at the end, stack traces from Warn on the lines after).
func zapDev(rec *recorder, evs []event) {
	clk := &fixedClock{}
	core := zapcore.NewCore(zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()), zapcore.AddSync(rec.w), zapcore.DebugLevel)
	l := zap.New(core, zap.AddCaller(), zap.AddStacktrace(zapcore.WarnLevel), zap.WithClock(clk))
	t0 := truth{Dialect: "zap-console", PrecisionNs: int64(time.Millisecond), SourceFile: thisFile()}
	zapEvents(rec, evs, l, clk, t0, "trace_id", "span_id", zapcore.WarnLevel)
}
