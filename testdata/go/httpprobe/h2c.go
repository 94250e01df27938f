//go:build go1.24

package main

import "net/http"

// useH2C makes tr speak HTTP/2 without TLS from the first byte (prior
// knowledge) on http:// URLs: Transport.Protocols with only UnencryptedHTTP2
// (Go 1.24+).
func useH2C(tr *http.Transport) error {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	tr.Protocols = &p
	return nil
}
