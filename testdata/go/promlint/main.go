// Command promlint is the oracle for goscope's promlint rules: client_golang's own
// linter (prometheus/testutil/promlint, the linter behind `promtool check metrics`)
// run on an exposition read from a file or stdin, its problems printed one JSON object
// a line, in promlint's order.
//
//	promlint [-format text|protobuf] [-utf8] [FILE]
//
// text (the default) is read exactly as promtool does (promlint.New on the Prometheus
// text format); protobuf is the delimited MetricFamily stream, decoded with expfmt and
// linted with promlint.NewWithMetricFamilies. -utf8 reads Prometheus 3's UTF-8 names
// (quoted) instead of refusing them as promtool does: the families are parsed with
// UTF-8 validation and linted with NewWithMetricFamilies, the same rules. A parse error
// is printed to stderr, exit 1.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func main() {
	format := flag.String("format", "text", "text or protobuf")
	utf8 := flag.Bool("utf8", false, "accept UTF-8 metric and label names")
	flag.Parse()
	var in io.Reader = os.Stdin
	if flag.NArg() == 1 {
		f, err := os.Open(flag.Arg(0))
		if err != nil {
			fail(err)
		}
		defer f.Close()
		in = f
	}
	in = bufio.NewReaderSize(in, 1<<20)
	var l *promlint.Linter
	switch *format {
	case "text":
		if !*utf8 {
			l = promlint.New(in)
			break
		}
		p := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := p.TextToMetricFamilies(in)
		if err != nil {
			fail(err)
		}
		var mfs []*dto.MetricFamily
		for _, mf := range fams {
			mfs = append(mfs, mf)
		}
		l = promlint.NewWithMetricFamilies(mfs)
	case "protobuf":
		f := expfmt.NewFormat(expfmt.TypeProtoDelim)
		if *utf8 {
			f = f + "; escaping=allow-utf-8"
		}
		dec := expfmt.NewDecoder(in, f)
		var mfs []*dto.MetricFamily
		for {
			mf := &dto.MetricFamily{}
			if err := dec.Decode(mf); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				fail(err)
			}
			mfs = append(mfs, mf)
		}
		l = promlint.NewWithMetricFamilies(mfs)
	default:
		fail(fmt.Errorf("unknown -format %q", *format))
	}
	problems, err := l.Lint()
	if err != nil {
		fail(err)
	}
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	for _, p := range problems {
		if err := enc.Encode(map[string]string{"metric": p.Metric, "text": p.Text}); err != nil {
			fail(err)
		}
	}
	if err := out.Flush(); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "promlint: %v\n", err)
	os.Exit(1)
}
