//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package main

func startSyscallBlocker() {}

func raiseSignal(string) bool { return false }
