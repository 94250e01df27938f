// Command metricsgen serves and writes real Prometheus expositions made by
// client_golang, for goscope's metrics tests and benchmark (see README.md).
//
//	metricsgen -addr 127.0.0.1:0     serve /fixed, /metrics, /mistakes, /handwritten
//	           [-fd-limit N]         ... with the open files limit lowered to N, 90% of it in use
//	metricsgen -write FORMAT PATH    write /fixed or /mistakes once (FORMAT: text, openmetrics, protobuf)
//	           [-truth FILE]         ... and the registry's own series (dto, before any format) as JSON Lines
//	metricsgen -big N [-family K]    write an exposition of N series (text) to stdout, K a family
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"syscall"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Accept headers of the three formats, as a scraper sends them.
var accepts = map[string]string{
	"text":        "text/plain;version=0.0.4;escaping=allow-utf-8",
	"openmetrics": "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8",
	"protobuf":    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;escaping=allow-utf-8",
}

func handlerFor(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{
		EnableOpenMetrics:                   true,
		EnableOpenMetricsTextCreatedSamples: true,
	})
}

func main() {
	addr := flag.String("addr", "", "serve on this address (port 0 picks a free port)")
	write := flag.String("write", "", "write one exposition to stdout in this format: text, openmetrics or protobuf")
	big := flag.Int("big", 0, "write an exposition of this many series (Prometheus text format) to stdout")
	family := flag.Int("family", 10_000, "with -big: series per family at most")
	fdLimit := flag.Int("fd-limit", 0, "with -addr: lower the open files limit to this and keep 90% of it open")
	truth := flag.String("truth", "", "with -write /fixed or /mistakes: also write what the registry holds, one JSON line per series")
	flag.Parse()

	switch {
	case *big > 0:
		w := bufio.NewWriterSize(os.Stdout, 1<<20)
		if err := writeBig(w, *big, *family); err != nil {
			fail(err)
		}
		if err := w.Flush(); err != nil {
			fail(err)
		}
	case *write != "":
		accept, ok := accepts[*write]
		if !ok {
			fail(fmt.Errorf("-write: unknown format %q", *write))
		}
		path := "/fixed"
		if flag.NArg() == 1 {
			path = flag.Arg(0)
		}
		h := newMux()
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Accept", accept)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			fail(fmt.Errorf("%s: %d %s", path, rec.Code, rec.Body.String()))
		}
		os.Stdout.Write(rec.Body.Bytes())
		if *truth != "" {
			var reg prometheus.Gatherer
			switch path {
			case "/fixed":
				reg = fixedRegistry()
			case "/mistakes":
				reg = newMistakes()
			default:
				fail(fmt.Errorf("-truth: only for /fixed and /mistakes, not %s", path))
			}
			if err := writeTruth(*truth, reg); err != nil {
				fail(err)
			}
		}
	case *addr != "":
		serve(*addr, *fdLimit)
	default:
		fail(fmt.Errorf("give -addr, -write or -big"))
	}
}

func newMux() *http.ServeMux {
	mux := http.NewServeMux()
	fixed := fixedRegistry()
	mux.Handle("/fixed", handlerFor(fixed))

	// What a service serves: its own metrics beside the Go runtime's and the process's.
	live := prometheus.NewRegistry()
	live.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux.Handle("/metrics", handlerFor(prometheus.Gatherers{fixed, live}))

	mux.Handle("/mistakes", handlerFor(newMistakes()))
	mux.HandleFunc("/handwritten", handwritten)
	return mux
}

func serve(addr string, fdLimit int) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fail(err)
	}
	if fdLimit > 0 {
		if err := holdFds(fdLimit); err != nil {
			fail(err)
		}
	}
	srv := &http.Server{Handler: newMux()}
	fmt.Printf("metricsgen listening on http://%s\n", ln.Addr())
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			fail(err)
		}
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	srv.Close()
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "metricsgen: %v\n", err)
	os.Exit(1)
}
