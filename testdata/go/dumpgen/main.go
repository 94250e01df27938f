// Command dumpgen parks goroutines in many runtime states and then makes the Go
// runtime itself write a goroutine dump. Every byte of the dump comes from the
// runtime; see README.md for which mode (and environment) shows which feature.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

func usage() {
	fmt.Fprintf(os.Stderr, `usage: dumpgen -mode MODE [-wait D]

modes:
  stack       runtime.Stack(all) to stdout
  debug2      pprof goroutine profile, debug=2, to stdout
  debug1      pprof goroutine profile, debug=1, to stdout
  debug0      pprof goroutine profile, debug=0 (gzipped protobuf), to stdout
  leak2       pprof goroutineleak profile, debug=2 (exit 3 if the runtime lacks it)
  leak1       pprof goroutineleak profile, debug=1
  leak0       pprof goroutineleak profile, debug=0
  panic       panic from main (stderr, exit 2; use GOTRACEBACK=all)
  fatal       fatal error: sync: unlock of unlocked mutex (stderr, exit 2)
  fatalmap    fatal error: concurrent map writes (stderr, exit 2)
  deadlock    fatal error: all goroutines are asleep - deadlock! (stderr, exit 2)
  logged      log lines, runtime.Stack(all), more log lines, to stdout
  ancestors   like stack (run with GODEBUG=tracebackancestors=5)
  labels      like stack (run with GODEBUG=tracebacklabels=1 on Go 1.26+)
  minutes     like stack after waiting -wait (default 61s): ", 1 minutes"
  nilpanic    nil pointer dereference from main: "panic: runtime error: …" and
              "[signal SIGSEGV: …]" (stderr, exit 2; use GOTRACEBACK=all)
  sigquit     raise SIGQUIT at itself: "SIGQUIT: quit" + all goroutines (stderr, exit 2; Unix)
  sigabrt     raise SIGABRT at itself: "SIGABRT: abort" + all goroutines (stderr, exit 2; Unix)

flags:
  -odd-labels also park main.blockWithOddLabels under labels that need quoting
`)
}

var crashMode = map[string]bool{"panic": true, "fatal": true, "fatalmap": true, "nilpanic": true}

func main() {
	mode := flag.String("mode", "", "what to dump (see -h)")
	wait := flag.Duration("wait", 61*time.Second, "minutes mode: how long goroutines stay blocked before the dump")
	flag.BoolVar(&withOddLabels, "odd-labels", false, "also park a goroutine under labels that need quoting (oddlabels.go)")
	flag.Usage = usage
	flag.Parse()

	if crashMode[*mode] && os.Getenv("GOMAXPROCS") == "" && runtime.GOMAXPROCS(0) < 4 {
		// Crash dumps print "goroutine running on other thread; stack
		// unavailable" only for a goroutine still running on its own P when
		// the traceback is written: main and both spinners need a P each.
		runtime.GOMAXPROCS(4)
	}

	switch *mode {
	case "stack", "ancestors", "labels":
		parkAll(parkOptions{timersAndIO: true})
		os.Stdout.Write(allStacks())
	case "minutes":
		parkAll(parkOptions{timersAndIO: true})
		// The runtime only learns when a goroutine blocked when a GC sees it
		// blocked: it stamps it with the start time of the previous GC's mark
		// termination, which is still 0 during the first GC of the process.
		// Hence two GCs; without them no header would carry ", N minutes".
		runtime.GC()
		runtime.GC()
		// Blocked after that GC, so its header has no ", N minutes".
		go blockStartedLate(lateCh)
		time.Sleep(*wait)
		os.Stdout.Write(allStacks())
	case "debug2", "debug1", "debug0":
		parkAll(parkOptions{timersAndIO: true})
		writeProfile("goroutine", int((*mode)[5]-'0'))
	case "leak2", "leak1", "leak0":
		if pprof.Lookup("goroutineleak") == nil {
			fmt.Fprintf(os.Stderr, "dumpgen: this runtime (%s) has no goroutineleak profile; build with GOEXPERIMENT=goroutineleakprofile on Go 1.26\n", runtime.Version())
			os.Exit(3)
		}
		parkAll(parkOptions{timersAndIO: true})
		writeProfile("goroutineleak", int((*mode)[4]-'0'))
	case "panic":
		parkAll(parkOptions{timersAndIO: true, crash: true})
		panicNow()
	case "fatal":
		parkAll(parkOptions{timersAndIO: true, crash: true})
		unlockUnlocked()
	case "nilpanic":
		parkAll(parkOptions{timersAndIO: true, crash: true})
		derefNil(nil)
	case "fatalmap":
		parkAll(parkOptions{timersAndIO: true, crash: true})
		concurrentMapWrites()
	case "deadlock":
		if cgoLinked {
			fmt.Fprintln(os.Stderr, "dumpgen: deadlock mode needs a CGO_ENABLED=0 build: with cgo the runtime does not detect the deadlock")
			os.Exit(4)
		}
		// No timers, network or spinning goroutines: once main blocks, every
		// goroutine is asleep and the runtime reports the deadlock.
		parkAll(parkOptions{timersAndIO: false})
		<-recvCh
	case "logged":
		logged()
	case "sigquit", "sigabrt":
		parkAll(parkOptions{timersAndIO: true})
		if !raiseSignal(*mode) {
			fmt.Fprintf(os.Stderr, "dumpgen: %s mode needs a Unix system\n", *mode)
			os.Exit(4)
		}
		// The runtime's signal handler prints the dump and exits.
		time.Sleep(time.Minute)
		os.Exit(5)
	default:
		usage()
		os.Exit(2)
	}
}

// allStacks returns runtime.Stack(buf, true), growing buf until it fits.
func allStacks() []byte {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}

func writeProfile(name string, debug int) {
	if err := pprof.Lookup(name).WriteTo(os.Stdout, debug); err != nil {
		fmt.Fprintf(os.Stderr, "dumpgen: %v\n", err)
		os.Exit(1)
	}
}

func panicNow() {
	panic("boom: something went wrong")
}

type config struct{ name string }

//go:noinline
func derefNil(c *config) string {
	return c.name // panic: runtime error: invalid memory address or nil pointer dereference
}

func unlockUnlocked() {
	var mu sync.Mutex
	mu.Unlock() // fatal error: sync: unlock of unlocked mutex
}

func concurrentMapWrites() {
	m := map[int]int{}
	for i := 0; i < 4; i++ {
		go mapWriter(m, i)
	}
	mapWriter(m, 100)
}

func mapWriter(m map[int]int, seed int) {
	for i := 0; ; i++ {
		m[(seed*7919+i)%1024] = i // fatal error: concurrent map writes
	}
}

func logged() {
	l := log.New(os.Stdout, "", log.LstdFlags)
	l.Printf("starting dumpgen pid=%d go=%s", os.Getpid(), runtime.Version())
	l.Printf("listening on 127.0.0.1:8080")
	l.Printf("warning: slow request path=/api/x took=2.5s")
	parkAll(parkOptions{timersAndIO: true})
	l.Printf("SIGQUIT-style dump follows")
	os.Stdout.Write(allStacks())
	l.Printf("dump complete")
	l.Printf("shutting down")
}
