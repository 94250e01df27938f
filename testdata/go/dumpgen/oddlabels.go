package main

import (
	"context"
	"runtime/pprof"
)

var oddLabelCh = make(chan struct{})

// oddLabels are pprof labels with every character the runtime has to quote in a
// goroutine header: quotes, spaces, commas, braces, brackets, CR, LF, tab,
// bell/backspace/form feed/vertical tab, backslash, ESC sequences (terminal title, clear screen), DEL, non-ASCII,
// a character outside the BMP, U+2028, invalid UTF-8, and an empty value.
// A value that spells out a fake goroutine header checks that no reader can be
// made to see a goroutine that is not there.
var oddLabels = []string{
	"quote", `say "hi"`,
	"space key", "a b",
	"comma,brace", "{x}, y: z",
	"bracket", "x]: [y",
	"cr", "line1\rline2",
	"nl", "fake\ngoroutine 99 [running]:",
	"tab", "a\tb",
	"bell", "\a\b\f\v",
	"backslash", `back\slash`,
	"esc", "\x1b]0;T\x07\x1b[2J",
	"del", "\x7f",
	"utf8", "héllo 日本",
	"astral", "\U0001F642",
	"linesep", "\u2028",
	"badutf8", "\xff\xfe",
	"empty", "",
	"plain_key.x/y", "plain/value_1.2",
}

// startOddLabeled runs blockWithOddLabels under oddLabels (dumpgen -odd-labels).
func startOddLabeled() {
	pprof.Do(context.Background(), pprof.Labels(oddLabels...), func(context.Context) {
		blockWithOddLabels(oddLabelCh)
	})
}

//go:noinline
func blockWithOddLabels(ch <-chan struct{}) {
	<-ch // [chan receive], the odd labels
}
