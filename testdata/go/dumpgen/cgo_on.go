//go:build cgo

package main

// cgoLinked reports whether this binary was built with cgo. net then links
// runtime/cgo, and with it the runtime never detects "all goroutines are
// asleep", so deadlock mode refuses to run (build with CGO_ENABLED=0).
const cgoLinked = true
