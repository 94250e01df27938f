package main

import (
	"fmt"
	"io"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/protobuf/proto"
)

// writeBig writes an exposition of n series (sample lines) in the Prometheus text
// format with client_golang's own encoder, one family of at most perFamily series at a
// time (so memory stays small): counters, gauges and histograms with the labels a
// busy service has (service, method, route, code, pod), about 100 bytes a series.
func writeBig(w io.Writer, n, perFamily int) error {
	methods := []string{"GET", "POST", "PUT", "DELETE"}
	codes := []string{"200", "201", "204", "400", "404", "500", "503"}
	bounds := []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}
	written := 0
	for f := 0; written < n; f++ {
		want := min(perFamily, n-written)
		mf := &dto.MetricFamily{Help: proto.String(fmt.Sprintf("Generated family %d for the benchmark.", f))}
		switch f % 3 {
		case 0:
			mf.Name = proto.String(fmt.Sprintf("bench_requests_%05d_total", f))
			mf.Type = dto.MetricType_COUNTER.Enum()
		case 1:
			mf.Name = proto.String(fmt.Sprintf("bench_inflight_%05d", f))
			mf.Type = dto.MetricType_GAUGE.Enum()
		default:
			mf.Name = proto.String(fmt.Sprintf("bench_latency_%05d_seconds", f))
			mf.Type = dto.MetricType_HISTOGRAM.Enum()
		}
		lines := 0
		for i := 0; lines < want; i++ {
			x := uint64(f*perFamily+i) * 2654435761
			m := &dto.Metric{Label: []*dto.LabelPair{
				{Name: proto.String("code"), Value: proto.String(codes[x%7])},
				{Name: proto.String("method"), Value: proto.String(methods[(x>>4)%4])},
				{Name: proto.String("pod"), Value: proto.String(fmt.Sprintf("10.0.%d.%d", (x>>8)%16, (x>>16)%250))},
				{Name: proto.String("route"), Value: proto.String(fmt.Sprintf("/items/%d", i))},
				{Name: proto.String("service"), Value: proto.String(fmt.Sprintf("svc-%03d", f%50))},
			}}
			switch f % 3 {
			case 0:
				m.Counter = &dto.Counter{Value: proto.Float64(float64(x % 1_000_000))}
				lines++
			case 1:
				m.Gauge = &dto.Gauge{Value: proto.Float64(float64(x%1000) / 8)}
				lines++
			default:
				if want-lines < len(bounds)+3 {
					// Fill the rest with gauge-like lines of a counter family next time.
					want = lines
					break
				}
				h := &dto.Histogram{SampleCount: proto.Uint64(x % 5000), SampleSum: proto.Float64(float64(x%5000) * 0.137)}
				c := uint64(0)
				for j, b := range bounds {
					c += (x >> uint(j)) % 500
					h.Bucket = append(h.Bucket, &dto.Bucket{UpperBound: proto.Float64(b), CumulativeCount: proto.Uint64(min(c, x%5000))})
				}
				m.Histogram = h
				lines += len(bounds) + 3
			}
			if lines > 0 && m.Counter == nil && m.Gauge == nil && m.Histogram == nil {
				break
			}
			mf.Metric = append(mf.Metric, m)
		}
		if len(mf.Metric) > 0 {
			if _, err := expfmt.MetricFamilyToText(w, mf); err != nil {
				return err
			}
		}
		written += lines
	}
	return nil
}
