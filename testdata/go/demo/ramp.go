// Slow endpoints for load ramps: a handler that takes ~200 ms and a reverse
// proxy in front of it. Under rising client concurrency their goroutines grow
// with the load, yet none of them is leaked: each request's goroutine (or, with
// keep-alive, each request on a connection's goroutine) moves on after 200 ms.
// goscope's leak verdicts must tell this from the planted leaks of leaks.go.
package main

import (
	"net/http"
	"net/http/httputil"
	"strconv"
	"time"
)

// rampWait parses ?ms= (default 200, clamped to 0..10000).
func rampWait(r *http.Request) time.Duration {
	ms := 200
	if s := r.URL.Query().Get("ms"); s != "" {
		if n, err := strconv.Atoi(s); err == nil {
			ms = min(max(n, 0), 10000)
		}
	}
	return time.Duration(ms) * time.Millisecond
}

// handleRampSlow is the slow upstream: it waits in sleepCtx (httplab.go; a select
// in user code whose goroutines grow with the load and turn over every wait), then
// answers.
func handleRampSlow(w http.ResponseWriter, r *http.Request) {
	if !sleepCtx(r, rampWait(r)) {
		return // the client went away
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("slow ok\n"))
}

// rampTransport is the proxy's round tripper, like Caddy's
// reverseproxy.(*HTTPTransport).RoundTrip: in-flight proxied requests wait in
// net/http's select below this frame.
type rampTransport struct{ base http.RoundTripper }

func (t rampTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return t.base.RoundTrip(r)
}

// rampProxy forwards /ramp/proxy?ms=N to this server's own /ramp/slow?ms=N
// (labUpstream, set in main before serving). Idle upstream connections are
// kept (up to 64), as a proxy's pool would.
var rampProxy = &httputil.ReverseProxy{
	Rewrite: func(pr *httputil.ProxyRequest) {
		up := *labUpstream
		pr.SetURL(&up)
		pr.Out.URL.Path = "/ramp/slow"
		pr.Out.URL.RawPath = ""
	},
	Transport: rampTransport{base: &http.Transport{
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
	}},
}

// handleRampProxy serves /ramp/proxy through rampProxy.
func handleRampProxy(w http.ResponseWriter, r *http.Request) {
	rampProxy.ServeHTTP(w, r)
}

func registerRamp(mux *http.ServeMux) {
	handle(mux, "GET /ramp/slow", "/ramp/slow", handleRampSlow)
	handle(mux, "GET /ramp/proxy", "/ramp/proxy", handleRampProxy)
}
