package main

import (
	"os"
	"syscall"
)

// held keeps the descriptors holdFds opened.
var held []*os.File

// holdFds lowers the open files limit (soft and hard) to n and opens /dev/null until 90%
// of it is in use, as a service that leaks descriptors does: process_open_fds near
// process_max_fds. Called after the listener and the poller exist. A new descriptor gets
// the lowest free number, so the last one opened says how many are in use.
func holdFds(n int) error {
	lim := syscall.Rlimit{Cur: uint64(n), Max: uint64(n)}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	target := n * 9 / 10
	for {
		f, err := os.Open(os.DevNull)
		if err != nil {
			return err
		}
		held = append(held, f)
		if int(f.Fd()) >= target-1 {
			return nil
		}
	}
}
