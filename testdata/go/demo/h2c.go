//go:build go1.24

package main

import "net/http"

// enableH2C lets the plain listener also speak HTTP/2 without TLS (h2c) to
// clients that open with the HTTP/2 preface ("prior knowledge": curl
// --http2-prior-knowledge, goscope http --http2-prior-knowledge). HTTP/1.1
// clients on the same listener are unaffected. http.Protocols is Go 1.24+.
func enableH2C(srv *http.Server) {
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	srv.Protocols = &p
}
