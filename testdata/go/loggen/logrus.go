package main

import (
	"time"

	"github.com/sirupsen/logrus"
)

func logrusLevel(l string) logrus.Level {
	switch l {
	case "debug":
		return logrus.DebugLevel
	case "warn":
		return logrus.WarnLevel
	case "error":
		return logrus.ErrorLevel
	}
	return logrus.InfoLevel
}

func logrusEvents(rec *recorder, evs []event, l *logrus.Logger, t0 truth, traceKey, spanKey string) {
	for _, e := range evs {
		t := t0
		t.Level, t.Msg = e.level, e.msg
		entry := l.WithTime(e.at).WithField("service", t0.Service)
		if e.err != nil {
			t.Error = e.err.Error()
			entry = entry.WithError(e.err)
		}
		if e.traceID != "" {
			t.TraceID, t.SpanID, t.TraceKey = e.traceID, e.spanID, traceKey
			entry = entry.WithFields(logrus.Fields{traceKey: e.traceID, spanKey: e.spanID})
		}
		rec.log(t, e.at, func() { entry.Log(logrusLevel(e.level), e.msg) })
	}
}

// logrusJSON: JSONFormatter with the caller; ECS-style dotted keys for the ids.
func logrusJSON(rec *recorder, evs []event) {
	l := logrus.New()
	l.SetOutput(rec.w)
	l.SetLevel(logrus.DebugLevel)
	l.SetReportCaller(true)
	l.SetFormatter(&logrus.JSONFormatter{TimestampFormat: time.RFC3339Nano})
	t0 := truth{Dialect: "logrus-json", PrecisionNs: 1, Service: "users", SourceFile: thisFile()}
	logrusEvents(rec, evs, l, t0, "trace.id", "span.id")
}

// logrusText: TextFormatter (logfmt), its default RFC 3339 time to the second.
func logrusText(rec *recorder, evs []event) {
	l := logrus.New()
	l.SetOutput(rec.w)
	l.SetLevel(logrus.DebugLevel)
	l.SetFormatter(&logrus.TextFormatter{DisableColors: true, FullTimestamp: true})
	t0 := truth{Dialect: "logfmt", PrecisionNs: int64(time.Second), Service: "search"}
	logrusEvents(rec, evs, l, t0, "otelTraceID", "otelSpanID")
}
