package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// countingWriter counts the lines written through it, so each truth record can name the
// line its log call produced (every logger here writes to one file, in turn).
type countingWriter struct {
	w     io.Writer
	lines int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	for _, b := range p {
		if b == '\n' {
			c.lines++
		}
	}
	return c.w.Write(p)
}

// truth is what the program knows it logged, one JSON line per log call.
type truth struct {
	Line    int    `json:"line"`
	Dialect string `json:"dialect"`
	// The time handed to the logger (Unix ns, as a string: beyond 2^53), the latest it
	// can be (the same unless the logger reads the clock itself: the log package) and
	// how finely the dialect writes it.
	TimeNs      string `json:"timeNs"`
	TimeMaxNs   string `json:"timeMaxNs"`
	PrecisionNs int64  `json:"precisionNs"`
	Level       string `json:"level"`
	Msg         string `json:"msg"`
	Service     string `json:"service"`
	TraceID     string `json:"traceId"`
	SpanID      string `json:"spanId"`
	TraceKey    string `json:"traceKey"`
	Error       string `json:"error"`
	// Base name of the file the caller/source field names ('' when the dialect has none).
	SourceFile string `json:"sourceFile"`
	Stack      bool   `json:"stack"`
	// A panic block (a goroutine traceback) starts on the line after this record.
	PanicBlock bool `json:"panicBlock,omitempty"`
	// A line written torn on purpose (-torn): why goscope cannot read it.
	Torn string `json:"torn,omitempty"`
}

type recorder struct {
	w   *countingWriter
	enc *json.Encoder
}

func newRecorder(w *countingWriter, path string) *recorder {
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	return &recorder{w: w, enc: json.NewEncoder(f)}
}

func ns(t time.Time) string { return itoa(t.UnixNano()) }

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// log runs one log call and records it: the line is where the call's output starts.
func (r *recorder) log(t truth, at time.Time, call func()) {
	t.Line = r.w.lines + 1
	t.TimeNs, t.TimeMaxNs = ns(at), ns(at)
	call()
	if err := r.enc.Encode(t); err != nil {
		panic(err)
	}
}

// logNow is log for loggers that read the clock themselves.
func (r *recorder) logNow(t truth, call func()) {
	t.Line = r.w.lines + 1
	before := time.Now()
	call()
	after := time.Now()
	t.TimeNs, t.TimeMaxNs = ns(before), ns(after)
	if err := r.enc.Encode(t); err != nil {
		panic(err)
	}
}

func thisFile() string {
	_, file, _, _ := runtime.Caller(1)
	return filepath.Base(file)
}
