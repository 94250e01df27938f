package main

import (
	"bytes"
	"context"
	"log/slog"
	"math/rand/v2"
	"time"
)

// Torn lines, written on purpose (-torn): what a log holds after a process died mid-write,
// a disk filled up, or a file system replayed its journal after a crash.
const (
	// A slog JSON line cut mid-way (the writer was killed), then a line break.
	tornCut = iota
	// Random bytes, not valid UTF-8, with control bytes among them.
	tornGarbage
	// A run of NUL bytes (blocks allocated but never written before a crash).
	tornZeros
)

func (rec *recorder) torn(kind int, r *rand.Rand) {
	var line []byte
	reason := "binary data"
	switch kind {
	case tornCut:
		var b bytes.Buffer
		l := slog.New(slog.NewJSONHandler(&b, nil))
		l.LogAttrs(context.Background(), slog.LevelInfo, "order shipped", slog.String("service", "checkout"), slog.Int("order", 41230), slog.Duration("took", 12*time.Millisecond))
		line = b.Bytes()[:b.Len()/2]
		reason = "invalid JSON"
	case tornGarbage:
		line = []byte{0x00, 0x01, 0x02}
		for i := 0; i < 48; i++ {
			c := byte(0x80 + r.IntN(0x80))
			line = append(line, c)
		}
	case tornZeros:
		line = make([]byte, 4096)
	}
	t := truth{Line: rec.w.lines + 1, Dialect: "torn", Torn: reason}
	if _, err := rec.w.Write(append(line, '\n')); err != nil {
		panic(err)
	}
	if err := rec.enc.Encode(t); err != nil {
		panic(err)
	}
}
