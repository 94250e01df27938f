//go:build !go1.24

package main

import (
	"errors"
	"net/http"
)

// useH2C: Transport.Protocols (h2c with prior knowledge) is Go 1.24+.
func useH2C(*http.Transport) error {
	return errors.New("-h2c needs a probe built with Go 1.24 or newer")
}
