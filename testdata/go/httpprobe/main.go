// Command httpprobe is a measuring HTTP client built on net/http/httptrace:
// the reference for goscope's `http` phase timings (dns, connect, tls,
// requestWrite, serverProcessing, transfer, total) and, with -summary, a plain
// Go client throughput baseline. See README.md.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ", ") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

type config struct {
	url         *url.URL
	n, c        int
	method      string
	headers     [][2]string
	host        string // from -H 'Host: …'
	body        *string
	insecure    bool
	cacert      string
	resolve     map[string]string // "host:port" (lower-case host) -> "addr:port"
	noKeepAlive bool
	http1       bool
	http2       bool
	h2c         bool
	timeout     time.Duration
	summary     bool
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "httpprobe: %v\n", err)
		os.Exit(1)
	}
	client, err := newClient(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "httpprobe: %v\n", err)
		os.Exit(1)
	}
	if cfg.summary {
		runSummary(cfg, client)
	} else {
		runTraced(cfg, client)
	}
}

func parseFlags(args []string) (*config, error) {
	fs := flag.NewFlagSet("httpprobe", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	rawURL := fs.String("url", "", "request URL (required; http or https)")
	n := fs.Int("n", 1, "number of requests")
	c := fs.Int("c", 1, "concurrent workers")
	method := fs.String("X", "", "request method (default GET, POST with -d)")
	var headers, resolves listFlag
	fs.Var(&headers, "H", "request header 'Name: value' (repeatable)")
	data := fs.String("d", "", "request body")
	insecure := fs.Bool("k", false, "skip TLS certificate verification")
	cacert := fs.String("cacert", "", "PEM file of trusted root certificates")
	fs.Var(&resolves, "resolve", "host:port:addr, connect to addr for host:port without DNS (repeatable)")
	noKeepAlive := fs.Bool("no-keepalive", false, "disable keep-alive (a new connection per request)")
	http1 := fs.Bool("http1", false, "HTTP/1.1 only (no h2 in ALPN)")
	http2 := fs.Bool("http2", false, "require HTTP/2 (https only): a response of another protocol is an error")
	h2c := fs.Bool("h2c", false, "HTTP/2 without TLS with prior knowledge (http only)")
	timeout := fs.Duration("timeout", 0, "per-request timeout (http.Client.Timeout; 0: none)")
	summary := fs.Bool("summary", false, "print one JSON summary line instead of per-request lines (no httptrace)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(os.Stdout)
			fmt.Println("usage: httpprobe -url URL [flags]")
			fs.PrintDefaults()
			return nil, err
		}
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	cfg := &config{n: *n, c: *c, method: *method, insecure: *insecure, cacert: *cacert,
		noKeepAlive: *noKeepAlive, http1: *http1, http2: *http2, h2c: *h2c, timeout: *timeout, summary: *summary,
		resolve: map[string]string{}}
	if *rawURL == "" {
		return nil, errors.New("-url is required")
	}
	u, err := url.Parse(*rawURL)
	if err != nil {
		return nil, fmt.Errorf("-url: %v", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("-url %q: want http://host[:port]/… or https://…", *rawURL)
	}
	cfg.url = u
	if cfg.n < 1 {
		return nil, errors.New("-n must be >= 1")
	}
	if cfg.c < 1 {
		return nil, errors.New("-c must be >= 1")
	}
	cfg.c = min(cfg.c, cfg.n)
	if cfg.http1 && cfg.http2 {
		return nil, errors.New("-http1 and -http2 are exclusive")
	}
	if cfg.http2 && u.Scheme != "https" {
		return nil, errors.New("-http2 needs an https URL (for plain http use -h2c)")
	}
	if cfg.h2c && (u.Scheme != "http" || cfg.http1 || cfg.http2) {
		return nil, errors.New("-h2c needs an http URL and excludes -http1 and -http2")
	}
	if cfg.timeout < 0 {
		return nil, errors.New("-timeout must be >= 0")
	}
	setFlags := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { setFlags[f.Name] = true })
	if setFlags["d"] {
		cfg.body = data
	}
	if cfg.method == "" {
		cfg.method = http.MethodGet
		if cfg.body != nil {
			cfg.method = http.MethodPost
		}
	}
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Errorf("-H %q: want 'Name: value'", h)
		}
		value = strings.TrimSpace(value)
		if strings.EqualFold(name, "Host") {
			cfg.host = value
			continue
		}
		cfg.headers = append(cfg.headers, [2]string{name, value})
	}
	for _, r := range resolves {
		key, addr, err := parseResolve(r)
		if err != nil {
			return nil, err
		}
		cfg.resolve[key] = addr
	}
	return cfg, nil
}

// parseResolve parses curl's host:port:addr ([v6] accepted for host and addr)
// into the dial-address key "host:port" and the replacement "addr:port".
func parseResolve(s string) (key, addr string, err error) {
	bad := fmt.Errorf("-resolve %q: want host:port:addr", s)
	var host, rest string
	if strings.HasPrefix(s, "[") {
		i := strings.Index(s, "]:")
		if i < 0 {
			return "", "", bad
		}
		host, rest = s[1:i], s[i+2:]
	} else {
		var ok bool
		if host, rest, ok = strings.Cut(s, ":"); !ok {
			return "", "", bad
		}
	}
	port, ip, ok := strings.Cut(rest, ":")
	if !ok || host == "" || ip == "" {
		return "", "", bad
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return "", "", bad
	}
	ip = strings.TrimSuffix(strings.TrimPrefix(ip, "["), "]")
	if net.ParseIP(ip) == nil {
		return "", "", fmt.Errorf("-resolve %q: %q is not an IP address", s, ip)
	}
	return net.JoinHostPort(strings.ToLower(host), port), net.JoinHostPort(ip, port), nil
}

func newClient(cfg *config) (*http.Client, error) {
	tlsConf := &tls.Config{InsecureSkipVerify: cfg.insecure}
	if cfg.cacert != "" {
		pem, err := os.ReadFile(cfg.cacert)
		if err != nil {
			return nil, fmt.Errorf("-cacert: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("-cacert %s: no PEM certificates", cfg.cacert)
		}
		tlsConf.RootCAs = pool
	}
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	dial := dialer.DialContext
	if len(cfg.resolve) > 0 {
		dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if host, port, err := net.SplitHostPort(addr); err == nil {
				if to, ok := cfg.resolve[net.JoinHostPort(strings.ToLower(host), port)]; ok {
					addr = to // an IP literal: no DNS lookup, no DNSStart
				}
			}
			return dialer.DialContext(ctx, network, addr)
		}
	}
	tr := &http.Transport{
		Proxy:                 nil, // never an environment proxy: it would skew every phase
		DialContext:           dial,
		TLSClientConfig:       tlsConf,
		ForceAttemptHTTP2:     !cfg.http1,
		MaxIdleConns:          max(100, cfg.c),
		MaxIdleConnsPerHost:   cfg.c,
		MaxConnsPerHost:       0,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
		DisableCompression:    true,
		DisableKeepAlives:     cfg.noKeepAlive,
	}
	if cfg.h2c {
		if err := useH2C(tr); err != nil {
			return nil, err
		}
	}
	if cfg.http1 {
		// A non-nil empty map turns HTTP/2 off.
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	return &http.Client{
		Transport: tr,
		Timeout:   cfg.timeout,
		// Like curl without -L: the phases describe exactly one exchange.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, nil
}

func newRequest(ctx context.Context, cfg *config) (*http.Request, error) {
	var body io.Reader
	if cfg.body != nil {
		body = strings.NewReader(*cfg.body)
	}
	req, err := http.NewRequestWithContext(ctx, cfg.method, cfg.url.String(), body)
	if err != nil {
		return nil, err
	}
	for _, h := range cfg.headers {
		req.Header.Add(h[0], h[1])
	}
	if cfg.host != "" {
		req.Host = cfg.host
	}
	return req, nil
}

// timeline collects one request's httptrace events. Dial callbacks run on the
// transport's dial goroutines (Happy Eyeballs may run two), hence the mutex.
type timeline struct {
	mu                 sync.Mutex
	start              time.Time
	dnsStart, dnsDone  time.Time
	connStart, connOK  time.Time
	tlsStart, tlsDone  time.Time
	gotConn, wrote     time.Time
	firstByte, end     time.Time
	reused, wasIdle    bool
	idle               time.Duration
	remote             string
	hasConn            bool
	gotFirstByteOrDone bool
}

func (t *timeline) trace() *httptrace.ClientTrace {
	now := func(f func(time.Time)) {
		ts := time.Now()
		t.mu.Lock()
		f(ts)
		t.mu.Unlock()
	}
	return &httptrace.ClientTrace{
		DNSStart: func(httptrace.DNSStartInfo) {
			now(func(ts time.Time) {
				if t.dnsStart.IsZero() {
					t.dnsStart = ts
				}
			})
		},
		DNSDone: func(httptrace.DNSDoneInfo) { now(func(ts time.Time) { t.dnsDone = ts }) },
		ConnectStart: func(string, string) {
			now(func(ts time.Time) {
				if t.connStart.IsZero() { // first attempt
					t.connStart = ts
				}
			})
		},
		ConnectDone: func(_, _ string, err error) {
			now(func(ts time.Time) {
				if err == nil && t.connOK.IsZero() { // the successful one
					t.connOK = ts
				}
			})
		},
		TLSHandshakeStart: func() { now(func(ts time.Time) { t.tlsStart = ts }) },
		TLSHandshakeDone:  func(tls.ConnectionState, error) { now(func(ts time.Time) { t.tlsDone = ts }) },
		GotConn: func(info httptrace.GotConnInfo) {
			now(func(ts time.Time) {
				t.gotConn = ts
				t.hasConn = true
				t.reused, t.wasIdle, t.idle = info.Reused, info.WasIdle, info.IdleTime
				if info.Conn != nil {
					t.remote = info.Conn.RemoteAddr().String()
				}
			})
		},
		WroteRequest:         func(httptrace.WroteRequestInfo) { now(func(ts time.Time) { t.wrote = ts }) },
		GotFirstResponseByte: func() { now(func(ts time.Time) { t.firstByte = ts }) },
	}
}

// ms rounds d to 3 decimals of a millisecond.
func ms(d time.Duration) float64 {
	return math.Round(float64(d)/1e3) / 1e3
}

// span is b-a in ms, or nil when either end is missing.
func span(a, b time.Time) *float64 {
	if a.IsZero() || b.IsZero() {
		return nil
	}
	v := ms(b.Sub(a))
	return &v
}

type phases struct {
	DNS              *float64 `json:"dns"`
	Connect          *float64 `json:"connect"`
	TLS              *float64 `json:"tls"`
	RequestWrite     *float64 `json:"requestWrite"`
	ServerProcessing *float64 `json:"serverProcessing"`
	Transfer         *float64 `json:"transfer"`
	Total            *float64 `json:"total"`
}

type resultLine struct {
	I       int     `json:"i"`
	Status  *int    `json:"status"`
	Proto   *string `json:"proto"`
	Reused  bool    `json:"reused"`
	WasIdle bool    `json:"wasIdle"`
	IdleMs  float64 `json:"idleMs"`
	Remote  *string `json:"remote"`
	Bytes   int64   `json:"bytes"`
	Phases  phases  `json:"phases"`
	Error   *string `json:"error"`
}

// tracedOne performs request i with httptrace and returns its line.
func tracedOne(cfg *config, client *http.Client, i int) resultLine {
	t := &timeline{}
	line := resultLine{I: i}
	fail := func(err error) resultLine {
		s := err.Error()
		line.Error = &s
		return line
	}
	ctx := httptrace.WithClientTrace(context.Background(), t.trace())
	req, err := newRequest(ctx, cfg)
	if err != nil {
		return fail(err)
	}

	start := time.Now()
	resp, err := client.Do(req)
	var n int64
	if err == nil {
		status, proto := resp.StatusCode, resp.Proto
		line.Status, line.Proto = &status, &proto
		n, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && cfg.http2 && resp.ProtoMajor != 2 {
			err = fmt.Errorf("-http2: server answered %s", resp.Proto)
		}
	}
	end := time.Now()

	t.mu.Lock()
	defer t.mu.Unlock()
	line.Bytes = n
	if t.hasConn {
		line.Reused, line.WasIdle, line.IdleMs = t.reused, t.wasIdle, ms(t.idle)
		if t.remote != "" {
			r := t.remote
			line.Remote = &r
		}
	}
	p := &line.Phases
	if !t.reused {
		p.DNS = span(t.dnsStart, t.dnsDone)
		p.Connect = span(t.connStart, t.connOK)
		p.TLS = span(t.tlsStart, t.tlsDone)
	}
	p.RequestWrite = span(t.gotConn, t.wrote)
	p.ServerProcessing = span(t.gotConn, t.firstByte)
	if err == nil {
		p.Transfer = span(t.firstByte, end)
	}
	p.Total = span(start, end)
	if err != nil {
		return fail(err)
	}
	return line
}

// runIndexed runs cfg.c workers that pull request indices 0..n-1 from a
// shared counter and call do for each.
func runIndexed(cfg *config, do func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < cfg.c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= cfg.n {
					return
				}
				do(i)
			}
		}()
	}
	wg.Wait()
}

func runTraced(cfg *config, client *http.Client) {
	var outMu sync.Mutex
	runIndexed(cfg, func(i int) {
		line := tracedOne(cfg, client, i)
		b, _ := json.Marshal(line)
		b = append(b, '\n')
		outMu.Lock()
		_, _ = os.Stdout.Write(b)
		outMu.Unlock()
	})
}

type summaryLine struct {
	Requests   int            `json:"requests"`
	Errors     int            `json:"errors"`
	Seconds    float64        `json:"seconds"`
	RPS        float64        `json:"rps"`
	P50Ms      *float64       `json:"p50Ms"`
	P90Ms      *float64       `json:"p90Ms"`
	P99Ms      *float64       `json:"p99Ms"`
	MaxMs      *float64       `json:"maxMs"`
	Statuses   map[string]int `json:"statuses"`
	FirstError *string        `json:"firstError"`
	// New connections and the nearest-rank p50/p99 of their connect time
	// (first ConnectStart to the successful ConnectDone).
	Connects     int      `json:"connects"`
	ConnectP50Ms *float64 `json:"connectP50Ms"`
	ConnectP99Ms *float64 `json:"connectP99Ms"`
}

// nearestRank is the value at index ceil(p/100*n)-1 of sorted.
func nearestRank(sorted []time.Duration, p float64) *float64 {
	if len(sorted) == 0 {
		return nil
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	i = min(max(i, 0), len(sorted)-1)
	v := ms(sorted[i])
	return &v
}

// runSummary: start-before-Do to body-read-end per request, and only the two
// httptrace hooks that time a new connection's connect; one JSON line at the end.
func runSummary(cfg *config, client *http.Client) {
	lat := make([]time.Duration, cfg.n)
	conn := make([]time.Duration, cfg.n)
	ok := make([]bool, cfg.n)
	status := make([]int, cfg.n)
	var errMu sync.Mutex
	var firstErr error
	wall := time.Now()
	runIndexed(cfg, func(i int) {
		var connStart, connDone time.Time
		var mu sync.Mutex
		trace := &httptrace.ClientTrace{
			ConnectStart: func(string, string) {
				mu.Lock()
				if connStart.IsZero() {
					connStart = time.Now()
				}
				mu.Unlock()
			},
			ConnectDone: func(_, _ string, err error) {
				mu.Lock()
				if err == nil && connDone.IsZero() {
					connDone = time.Now()
				}
				mu.Unlock()
			},
		}
		defer func() {
			mu.Lock()
			if !connStart.IsZero() && !connDone.IsZero() {
				conn[i] = connDone.Sub(connStart)
			}
			mu.Unlock()
		}()
		req, err := newRequest(httptrace.WithClientTrace(context.Background(), trace), cfg)
		if err == nil {
			start := time.Now()
			var resp *http.Response
			resp, err = client.Do(req)
			if err == nil {
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[i] = time.Since(start)
				status[i] = resp.StatusCode
				if err == nil && cfg.http2 && resp.ProtoMajor != 2 {
					err = fmt.Errorf("-http2: server answered %s", resp.Proto)
				}
			}
		}
		if err != nil {
			errMu.Lock()
			if firstErr == nil {
				firstErr = err
			}
			errMu.Unlock()
			return
		}
		ok[i] = true
	})
	secs := time.Since(wall).Seconds()

	s := summaryLine{Requests: cfg.n, Statuses: map[string]int{}}
	good := make([]time.Duration, 0, cfg.n)
	for i := range lat {
		if status[i] != 0 {
			s.Statuses[strconv.Itoa(status[i])]++
		}
		if !ok[i] {
			s.Errors++
			continue
		}
		good = append(good, lat[i])
	}
	sort.Slice(good, func(a, b int) bool { return good[a] < good[b] })
	var connects []time.Duration
	for _, d := range conn {
		if d > 0 {
			connects = append(connects, d)
		}
	}
	sort.Slice(connects, func(a, b int) bool { return connects[a] < connects[b] })
	s.Connects = len(connects)
	s.ConnectP50Ms = nearestRank(connects, 50)
	s.ConnectP99Ms = nearestRank(connects, 99)
	s.Seconds = math.Round(secs*1e6) / 1e6
	s.RPS = math.Round(float64(cfg.n)/secs*1e3) / 1e3
	s.P50Ms = nearestRank(good, 50)
	s.P90Ms = nearestRank(good, 90)
	s.P99Ms = nearestRank(good, 99)
	s.MaxMs = nearestRank(good, 100)
	if firstErr != nil {
		e := firstErr.Error()
		s.FirstError = &e
	}
	b, _ := json.Marshal(s)
	fmt.Println(string(b))
}
