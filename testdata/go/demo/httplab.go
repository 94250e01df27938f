// HTTP lab endpoints for goscope's `http` command: request echo (direct and
// through a gateway + reverse proxy), controlled server delay, slow bodies,
// sized bodies, arbitrary statuses, redirect chains, and an optional TLS
// listener with a fresh self-signed certificate. See README.md.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// labUpstream is the plain-HTTP base URL of this server's own listener (set in
// main before serving); /via/echo proxies to labUpstream + "/echo".
var labUpstream *url.URL

// setLabUpstream records the listener address as the gateway's upstream. An
// unspecified listen host (0.0.0.0, ::) is dialed on loopback.
func setLabUpstream(addr net.Addr) {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		host, port = "127.0.0.1", "0"
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		if ip.To4() != nil {
			host = "127.0.0.1"
		} else {
			host = "::1"
		}
	}
	labUpstream = &url.URL{Scheme: "http", Host: net.JoinHostPort(host, port)}
}

func registerHTTPLab(mux *http.ServeMux) {
	handle(mux, "/echo", "/echo", handleEcho)
	handle(mux, "/via/echo", "/via/echo", gatewayMiddleware(newEchoProxy()).ServeHTTP)
	handle(mux, "GET /delay", "/delay", handleDelay)
	handle(mux, "GET /slowbody", "/slowbody", handleSlowBody)
	handle(mux, "GET /bytes", "/bytes", handleBytes)
	handle(mux, "/status", "/status", handleStatus)
	handle(mux, "/redirect", "/redirect", handleRedirect)
}

// echoTLS is the "tls" member of the /echo reply (null on plain HTTP).
type echoTLS struct {
	Version    string `json:"version"`
	Cipher     string `json:"cipher"`
	ALPN       string `json:"alpn"`
	ServerName string `json:"serverName"`
}

// echoReply is the /echo JSON body; field order is the wire order.
type echoReply struct {
	Method           string      `json:"method"`
	URI              string      `json:"uri"`
	Proto            string      `json:"proto"`
	Host             string      `json:"host"`
	RemoteAddr       string      `json:"remoteAddr"`
	Headers          [][2]string `json:"headers"`
	ContentLength    int64       `json:"contentLength"`
	TransferEncoding []string    `json:"transferEncoding"`
	BodyBytes        int64       `json:"bodyBytes"`
	BodySha256       string      `json:"bodySha256"`
	TLS              *echoTLS    `json:"tls"`
}

// handleEcho describes the request exactly as net/http received it.
func handleEcho(w http.ResponseWriter, r *http.Request) {
	h := sha256.New()
	n, err := io.Copy(h, r.Body)
	if err != nil {
		http.Error(w, "reading body: "+err.Error(), http.StatusBadRequest)
		return
	}
	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	headers := make([][2]string, 0, len(names))
	for _, name := range names {
		for _, v := range r.Header[name] {
			headers = append(headers, [2]string{name, v})
		}
	}
	te := r.TransferEncoding
	if te == nil {
		te = []string{}
	}
	reply := echoReply{
		Method:           r.Method,
		URI:              r.RequestURI,
		Proto:            r.Proto,
		Host:             r.Host,
		RemoteAddr:       r.RemoteAddr,
		Headers:          headers,
		ContentLength:    r.ContentLength,
		TransferEncoding: te,
		BodyBytes:        n,
		BodySha256:       hex.EncodeToString(h.Sum(nil)),
	}
	if cs := r.TLS; cs != nil {
		reply.TLS = &echoTLS{
			Version:    tls.VersionName(cs.Version),
			Cipher:     tls.CipherSuiteName(cs.CipherSuite),
			ALPN:       cs.NegotiatedProtocol,
			ServerName: cs.ServerName,
		}
	}
	w.Header().Set("X-Echo", "goscope-demo/1")
	writeJSON(w, reply)
}

// gatewayMiddleware is what an API gateway typically does before proxying:
// assign a request id, strip debug credentials, and brand the User-Agent.
func gatewayMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Request-Id") == "" {
			var id [8]byte
			_, _ = rand.Read(id[:])
			r.Header.Set("X-Request-Id", hex.EncodeToString(id[:]))
		}
		r.Header.Del("X-Debug-Token")
		r.Header.Set("User-Agent", "demo-gateway/1 (+"+r.Header.Get("User-Agent")+")")
		next.ServeHTTP(w, r)
	})
}

// newEchoProxy proxies to this server's own /echo over loopback. Rewrite mode:
// inbound X-Forwarded-Host/Proto are dropped, SetXForwarded sets
// X-Forwarded-For (the client IP appended to an inbound X-Forwarded-For, one
// header line "10.0.0.1, 127.0.0.1"), X-Forwarded-Host
// (inbound Host) and X-Forwarded-Proto (http/https); SetURL sets the outbound
// Host to the upstream's host:port. ReverseProxy strips hop-by-hop headers
// (Connection and the headers it names, Keep-Alive, Proxy-Connection, TE
// except "trailers", Trailer, Transfer-Encoding, Upgrade).
func newEchoProxy() *httputil.ReverseProxy {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	// No transparent "Accept-Encoding: gzip" on the hop: the only header
	// changes are the gateway's and the proxy's own.
	tr.DisableCompression = true
	tr.MaxIdleConnsPerHost = 64
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(labUpstream)
			pr.Out.URL.Path = "/echo"
			pr.Out.URL.RawPath = ""
			// Append to the inbound X-Forwarded-For chain, as gateways do.
			pr.Out.Header["X-Forwarded-For"] = pr.In.Header["X-Forwarded-For"]
			pr.SetXForwarded()
		},
		Transport: tr,
	}
}

// queryInt parses query parameter name (def when absent) and clamps it to
// [lo, hi]; ok is false when the value is not an integer.
func queryInt(r *http.Request, name string, def, lo, hi int) (v int, ok bool) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, true
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, false
	}
	return min(max(v, lo), hi), true
}

func badParam(w http.ResponseWriter, name string) {
	http.Error(w, "bad "+name+" parameter", http.StatusBadRequest)
}

// sleepCtx sleeps d or until the request is cancelled (false).
func sleepCtx(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return r.Context().Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// handleDelay: GET /delay?ms=N sleeps N ms before writing anything.
func handleDelay(w http.ResponseWriter, r *http.Request) {
	ms, ok := queryInt(r, "ms", 100, 0, 60000)
	if !ok {
		badParam(w, "ms")
		return
	}
	if !sleepCtx(r, time.Duration(ms)*time.Millisecond) {
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "delayed %d ms\n", ms)
}

// handleSlowBody: GET /slowbody?ms=N&chunks=K&kb=S[&length=1] sends the
// headers at once, then K chunks of S KiB, sleeping N/K ms before each.
func handleSlowBody(w http.ResponseWriter, r *http.Request) {
	ms, ok := queryInt(r, "ms", 1000, 0, 60000)
	if !ok {
		badParam(w, "ms")
		return
	}
	chunks, ok := queryInt(r, "chunks", 10, 1, 10000)
	if !ok {
		badParam(w, "chunks")
		return
	}
	kb, ok := queryInt(r, "kb", 1, 0, 1024)
	if !ok {
		badParam(w, "kb")
		return
	}
	chunk := payload[:kb<<10]
	w.Header().Set("Content-Type", "application/octet-stream")
	if r.URL.Query().Get("length") == "1" {
		w.Header().Set("Content-Length", strconv.Itoa(chunks*len(chunk)))
	}
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	pause := time.Duration(ms) * time.Millisecond / time.Duration(chunks)
	for i := 0; i < chunks; i++ {
		if !sleepCtx(r, pause) {
			return
		}
		if _, err := w.Write(chunk); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// payloadAlphabet: byte i of every /bytes and /slowbody body is
// payloadAlphabet[i%64] (63 printable characters and a newline).
const payloadAlphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-\n"

// payload is 1 MiB of the repeating alphabet, allocated once.
var payload = func() []byte {
	b := make([]byte, 1<<20)
	for i := range b {
		b[i] = payloadAlphabet[i%len(payloadAlphabet)]
	}
	return b
}()

var okBody = []byte("ok\n")

// handleBytes: GET /bytes?kb=N writes exactly N KiB (kb=0: "ok\n").
func handleBytes(w http.ResponseWriter, r *http.Request) {
	kb := 0
	if s := r.URL.Query().Get("kb"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 || v > 1<<20 {
			badParam(w, "kb")
			return
		}
		kb = v
	}
	h := w.Header()
	if kb == 0 {
		h["Content-Type"] = []string{"text/plain; charset=utf-8"}
		h["Content-Length"] = []string{"3"}
		_, _ = w.Write(okBody)
		return
	}
	total := kb << 10
	h["Content-Type"] = []string{"application/octet-stream"}
	h["Content-Length"] = []string{strconv.Itoa(total)}
	for total > 0 {
		n := min(total, len(payload))
		if _, err := w.Write(payload[:n]); err != nil {
			return
		}
		total -= n
	}
}

// handleStatus: /status?code=N (any method) answers with status N.
func handleStatus(w http.ResponseWriter, r *http.Request) {
	code := http.StatusOK
	if s := r.URL.Query().Get("code"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 200 || v > 599 {
			badParam(w, "code")
			return
		}
		code = v
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	// 204 and 304 have no body; Write then fails with ErrBodyNotAllowed.
	_, _ = fmt.Fprintf(w, "status %d %s\n", code, http.StatusText(code))
}

// handleRedirect: /redirect?n=N&to=/path answers 302 to /redirect?n=N-1&to=…
// while N > 0, then 302 to `to` (default /echo).
func handleRedirect(w http.ResponseWriter, r *http.Request) {
	n, ok := queryInt(r, "n", 1, 0, 100)
	if !ok {
		badParam(w, "n")
		return
	}
	to := r.URL.Query().Get("to")
	if to == "" {
		to = "/echo"
	}
	// Local paths only: "/x", not "//host/x" or "/\host/x".
	if !strings.HasPrefix(to, "/") || strings.HasPrefix(to, "//") || strings.HasPrefix(to, "/\\") {
		badParam(w, "to")
		return
	}
	loc := to
	if n > 0 {
		loc = "/redirect?n=" + strconv.Itoa(n-1) + "&to=" + url.QueryEscape(to)
	}
	w.Header().Set("Location", loc)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusFound)
	fmt.Fprintf(w, "redirecting to %s\n", loc)
}

// newSelfSignedCert makes a fresh ECDSA P-256 self-signed leaf (not a CA) for
// CN goscope-demo, DNS localhost and demo.goscope.test, IPs 127.0.0.1 and ::1,
// valid from now-1h to now+valid (a negative valid gives an expired one).
func newSelfSignedCert(valid time.Duration) (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "goscope-demo"},
		DNSNames:              []string{"localhost", "demo.goscope.test", "*.slow.goscope.test"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(valid),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, certPEM, nil
}

// listenTLS sets up the TLS listener and its server (same handler and
// timeouts as base), writing the certificate PEM to certOut when non-empty.
func listenTLS(base *http.Server, addr, certOut, minVersion string, valid time.Duration) (net.Listener, *http.Server, error) {
	var minV uint16
	switch minVersion {
	case "1.2", "":
		minV = tls.VersionTLS12
	case "1.3":
		minV = tls.VersionTLS13
	default:
		return nil, nil, fmt.Errorf("-tls-min %q: want 1.2 or 1.3", minVersion)
	}
	cert, certPEM, err := newSelfSignedCert(valid)
	if err != nil {
		return nil, nil, fmt.Errorf("generating certificate: %w", err)
	}
	if certOut != "" {
		if err := os.WriteFile(certOut, certPEM, 0o644); err != nil {
			return nil, nil, err
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	srv := &http.Server{
		Handler:           base.Handler,
		ReadHeaderTimeout: base.ReadHeaderTimeout,
		ReadTimeout:       base.ReadTimeout,
		WriteTimeout:      base.WriteTimeout,
		IdleTimeout:       base.IdleTimeout,
		MaxHeaderBytes:    base.MaxHeaderBytes,
		ErrorLog:          base.ErrorLog,
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{cert},
			MinVersion:   minV,
			// ALPN: HTTP/2 first; ServeTLS wires up net/http's h2 server.
			NextProtos: []string{"h2", "http/1.1"},
			// A handshake delay chosen by the client through SNI: a ClientHello for
			// hs-<ms>.slow.goscope.test waits <ms> (at most 10 s) before the server
			// answers, so tests can inject time into the TLS phase.
			GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
				if ms, ok := handshakeDelay(h.ServerName); ok {
					time.Sleep(time.Duration(ms) * time.Millisecond)
				}
				return nil, nil
			},
		},
	}
	return ln, srv, nil
}

// handshakeDelay parses "hs-<ms>.slow.goscope.test" (ms in 0..10000).
func handshakeDelay(serverName string) (int, bool) {
	rest, ok := strings.CutSuffix(serverName, ".slow.goscope.test")
	if !ok {
		return 0, false
	}
	digits, ok := strings.CutPrefix(rest, "hs-")
	if !ok {
		return 0, false
	}
	ms, err := strconv.Atoi(digits)
	if err != nil || ms < 0 || ms > 10000 {
		return 0, false
	}
	return ms, true
}
