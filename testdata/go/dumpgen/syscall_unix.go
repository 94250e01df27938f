//go:build linux || darwin || freebsd || netbsd || openbsd

package main

import "syscall"

var syscallPipe [2]int

// startSyscallBlocker starts blockInSyscall, which sits in a blocking read(2)
// on a pipe outside the netpoller: status [syscall].
func startSyscallBlocker() {
	if err := syscall.Pipe(syscallPipe[:]); err != nil {
		return
	}
	go blockInSyscall(syscallPipe[0])
}

func blockInSyscall(fd int) {
	buf := make([]byte, 1)
	_, _ = syscall.Read(fd, buf) // [syscall]
}

// raiseSignal sends sig to this process: for SIGQUIT and SIGABRT the Go runtime
// prints "SIGQUIT: quit" / "SIGABRT: abort", a PC line and every goroutine, and
// exits with status 2.
func raiseSignal(sig string) bool {
	s := map[string]syscall.Signal{"sigquit": syscall.SIGQUIT, "sigabrt": syscall.SIGABRT}[sig]
	if s == 0 {
		return false
	}
	return syscall.Kill(syscall.Getpid(), s) == nil
}
