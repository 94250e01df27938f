// tracereader reads a Go execution trace with Go's own parser (golang.org/x/exp/trace,
// the exported copy of the standard library's internal/trace) and counts its events: the
// reference side of bench/trace.ts. Prints one JSON line: {"events":N,"ms":T}, where ms
// covers creating the reader and reading every event (not the process start-up).
//
//	go build -o tracereader . && ./tracereader FILE
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/exp/trace"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: tracereader FILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fail(err)
	}
	defer f.Close()
	t0 := time.Now()
	r, err := trace.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		fail(err)
	}
	n := 0
	for {
		_, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			fail(fmt.Errorf("after %d events: %w", n, err))
		}
		n++
	}
	ms := float64(time.Since(t0).Microseconds()) / 1000
	out, _ := json.Marshal(struct {
		Events int     `json:"events"`
		Ms     float64 `json:"ms"`
	}{n, ms})
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "tracereader:", err)
	os.Exit(1)
}
