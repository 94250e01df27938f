//go:build !cgo

package main

const cgoLinked = false
