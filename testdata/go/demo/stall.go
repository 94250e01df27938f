package main

import (
	"fmt"
	"net"
	"syscall"
	"time"
)

// stalled keeps the connections that fill the stalled listener's accept queue.
var stalled []net.Conn

// listenStalled opens a TCP listener on 127.0.0.1 that never accepts, with an
// accept queue of one that the demo fills itself. Further connection attempts
// get no SYN-ACK (Linux drops SYNs to a full queue), so a client's TCP connect
// hangs: the way to make a connect timeout fire on loopback.
func listenStalled() (string, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return "", err
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return "", err
	}
	if err := syscall.Listen(fd, 0); err != nil {
		return "", err
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		return "", err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	// Fill the queue: the first connections complete (the kernel queues them),
	// then attempts stop completing.
	for i := 0; i < 8; i++ {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			break
		}
		stalled = append(stalled, c)
	}
	return addr, nil
}
