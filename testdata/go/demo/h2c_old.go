//go:build !go1.24

package main

import "net/http"

// enableH2C: before Go 1.24 net/http has no h2c server; the plain listener
// speaks HTTP/1.1 only.
func enableH2C(*http.Server) {}
