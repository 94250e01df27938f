package main

import (
	"fmt"
	"net/http"
	"sync/atomic"

	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"
)

// mistakes is what an exporter that builds its metric families itself (a custom
// prometheus.Gatherer, bypassing the registry's checks) can serve: one or more of
// every mistake goscope looks for, encoded by client_golang's own encoders in the
// format the scraper asks for. Some of it changes with every scrape: a counter that
// goes down, a label whose values churn, a family that comes and goes.
type mistakes struct{ scrapes atomic.Int64 }

func newMistakes() *mistakes { return &mistakes{} }

func (m *mistakes) Gather() ([]*dto.MetricFamily, error) {
	n := m.scrapes.Add(1)
	counter, gauge := dto.MetricType_COUNTER, dto.MetricType_GAUGE
	fams := []*dto.MetricFamily{
		// promlint: every rule once or more.
		family("jobs_processed", "", counter, nil, sample(nil, 17)),
		family("cache_size_kilobytes", "Cache size.", gauge, nil, sample(nil, 2048)),
		family("queue_length_total", "Jobs queued.", gauge, nil, sample(nil, 4)),
		family("request_size_bucket", "Request sizes.", gauge, nil, sample(nil, 1)),
		family("request_count", "Requests.", gauge, nil, sample(nil, 9)),
		family("latency_sum", "Latency.", gauge, nil, sample(nil, 0.5)),
		family("slo_target_ratio", "SLO targets.", gauge, nil,
			sample(labels("le", "0.5"), 0.99), sample(labels("quantile", "0.9"), 0.95)),
		family("memory_usage_gauge", "Memory in use.", gauge, nil, sample(nil, 1024)),
		family("app:requests:rate5m", "Recorded request rate.", gauge, nil, sample(nil, 12.5)),
		family("processTimeSeconds", "Processing time.", gauge, nil,
			sample(labels("statusCode", "200"), 0.2), sample(labels("statusCode", "500"), 0.7)),
		family("upload_time_ms", "Upload time in milliseconds.", gauge, nil, sample(nil, 850)),
		family("worker_busy", "Whether a worker is busy.", gauge, nil,
			sample(labels("worker", "1"), 1), sample(labels("worker", "2"), 0), sample(labels("worker", "1"), 1)),

		// An empty label value (a zero-value struct field) beside real ones.
		family("orders_total", "Orders placed.", counter, nil,
			sample(labels("region", "eu"), 120), sample(labels("region", "us"), 340), sample(labels("region", ""), 7)),

		// The same quantity twice: seconds in a histogram, milliseconds in a summary.
		family("http_request_duration_seconds", "Request time.", dto.MetricType_HISTOGRAM, nil,
			histo(nil, 10, 4.2, []float64{0.1, 0.5, 1}, []uint64{4, 8, 10})),
		family("http_request_latency_ms", "Request time in ms.", dto.MetricType_SUMMARY, nil,
			summ(nil, 10, 4200, map[float64]float64{0.5: 310, 0.99: 980})),

		// Invalid histograms and summaries.
		family("payload_size_bytes", "Payload sizes.", dto.MetricType_HISTOGRAM, nil,
			histo(nil, 12, 9000, []float64{100, 1000, 10000}, []uint64{6, 4, 12})),
		family("queue_wait_seconds", "Time in queue.", dto.MetricType_HISTOGRAM, nil,
			histo(nil, 15, 3, []float64{0.1, 1, inf}, []uint64{5, 9, 12})),
		family("render_duration_seconds", "Render time.", dto.MetricType_SUMMARY, nil,
			summ(nil, 5, 2.5, map[float64]float64{-0.1: 0.2, 0.5: 0.4, 1.5: 0.9})),
		// A native histogram whose buckets (1 in the zero bucket, then 3 and 4) add up to 8,
		// not its count of 10. Only protobuf carries native buckets: the text formats show
		// just its +Inf bucket, _sum and _count.
		family("rpc_handling_seconds", "RPC handling time.", dto.MetricType_HISTOGRAM, nil,
			nativeHisto(10, 2.5, 1, []int64{3, 1})),

		// An OpenMetrics unit that disagrees with the name.
		family("upload_duration_seconds", "Upload time.", gauge, proto.String("milliseconds"), sample(nil, 0.85)),
	}
	fams = append(fams, unbounded()...)

	// Across scrapes: a counter that goes down, churning series, a family that comes and goes.
	fams = append(fams, family("jobs_retried_total", "Jobs retried.", counter, nil, sample(nil, float64(1000-100*n))))
	var churn []*dto.Metric
	for i := int64(0); i < 4; i++ {
		churn = append(churn, sample(labels("request_id", fmt.Sprintf("req-%d", n*10+i)), 1))
	}
	fams = append(fams, family("inflight_request_seconds", "Age of requests in flight.", gauge, nil, churn...))
	if n%2 == 1 {
		fams = append(fams, family("batch_last_run_timestamp_seconds", "When the batch job last ran.", gauge, nil, sample(nil, 1.7672256e9)))
	}
	return fams, nil
}

// unbounded: label values that grow without bound (ids, UUIDs, IPs, e-mails,
// timestamps, raw URL paths) and a family whose series count one label drives.
func unbounded() []*dto.MetricFamily {
	var byUser, bySession, byClient, byPath, byEmail, byTime, byTenant []*dto.Metric
	for i := 0; i < 60; i++ {
		byUser = append(byUser, sample(labels("route", "/api/orders", "user_id", fmt.Sprint(100017+i*7919)), float64(i+1)))
		bySession = append(bySession, sample(labels("session", fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", 0x9f3a0000+i*7, i*31, i, i*3, 0x5e1f00000000+i*977)), 1))
		byClient = append(byClient, sample(labels("client", fmt.Sprintf("10.%d.%d.%d", i/50, i%50, 3+i%200)), 1))
		byPath = append(byPath, sample(labels("method", "GET", "path", fmt.Sprintf("/users/%d/orders", 4711+i*13)), float64(i%5+1)))
		byEmail = append(byEmail, sample(labels("email", fmt.Sprintf("user%d@example.com", i)), 1))
		byTime = append(byTime, sample(labels("started", fmt.Sprint(1767225600+i*37)), 1))
	}
	for t := 0; t < 50; t++ {
		for _, code := range []string{"200", "404", "500"} {
			for _, method := range []string{"GET", "POST"} {
				byTenant = append(byTenant, sample(labels("tenant", fmt.Sprintf("tenant-%02d", t), "code", code, "method", method), float64(t)))
			}
		}
	}
	c := dto.MetricType_COUNTER
	return []*dto.MetricFamily{
		family("api_requests_total", "API requests by user.", c, nil, byUser...),
		family("sessions_active", "Active sessions.", dto.MetricType_GAUGE, nil, bySession...),
		family("client_connections_total", "Connections by client address.", c, nil, byClient...),
		family("http_path_requests_total", "Requests by raw path.", c, nil, byPath...),
		family("signups_total", "Signups by e-mail.", c, nil, byEmail...),
		family("job_runs_total", "Job runs by start time.", c, nil, byTime...),
		family("tenant_requests_total", "Requests by tenant.", c, nil, byTenant...),
	}
}

var inf = posInf()

func family(name, help string, t dto.MetricType, unit *string, ms ...*dto.Metric) *dto.MetricFamily {
	f := &dto.MetricFamily{Name: proto.String(name), Type: t.Enum(), Metric: ms, Unit: unit}
	if help != "" {
		f.Help = proto.String(help)
	}
	for _, m := range ms {
		switch t {
		case dto.MetricType_COUNTER:
			m.Counter = &dto.Counter{Value: m.Untyped.Value}
			m.Untyped = nil
		case dto.MetricType_GAUGE:
			m.Gauge = &dto.Gauge{Value: m.Untyped.Value}
			m.Untyped = nil
		}
	}
	return f
}

func labels(kv ...string) []*dto.LabelPair {
	var out []*dto.LabelPair
	for i := 0; i < len(kv); i += 2 {
		out = append(out, &dto.LabelPair{Name: proto.String(kv[i]), Value: proto.String(kv[i+1])})
	}
	return out
}

func sample(l []*dto.LabelPair, v float64) *dto.Metric {
	return &dto.Metric{Label: l, Untyped: &dto.Untyped{Value: proto.Float64(v)}}
}

func histo(l []*dto.LabelPair, count uint64, sum float64, bounds []float64, cum []uint64) *dto.Metric {
	h := &dto.Histogram{SampleCount: proto.Uint64(count), SampleSum: proto.Float64(sum)}
	for i, b := range bounds {
		h.Bucket = append(h.Bucket, &dto.Bucket{UpperBound: proto.Float64(b), CumulativeCount: proto.Uint64(cum[i])})
	}
	return &dto.Metric{Label: l, Histogram: h}
}

// nativeHisto is a native histogram (schema 3) with `zero` observations in the zero
// bucket and the given positive bucket counts (as deltas, the wire's encoding) in one span.
func nativeHisto(count uint64, sum float64, zero uint64, deltas []int64) *dto.Metric {
	h := &dto.Histogram{
		SampleCount:   proto.Uint64(count),
		SampleSum:     proto.Float64(sum),
		Schema:        proto.Int32(3),
		ZeroThreshold: proto.Float64(1e-128),
		ZeroCount:     proto.Uint64(zero),
		PositiveSpan:  []*dto.BucketSpan{{Offset: proto.Int32(0), Length: proto.Uint32(uint32(len(deltas)))}},
		PositiveDelta: deltas,
	}
	return &dto.Metric{Histogram: h}
}

func summ(l []*dto.LabelPair, count uint64, sum float64, q map[float64]float64) *dto.Metric {
	s := &dto.Summary{SampleCount: proto.Uint64(count), SampleSum: proto.Float64(sum)}
	for _, k := range sortedKeys(q) {
		s.Quantile = append(s.Quantile, &dto.Quantile{Quantile: proto.Float64(k), Value: proto.Float64(q[k])})
	}
	return &dto.Metric{Label: l, Summary: s}
}

// handwritten is an exporter that writes the text format by hand, as shell scripts
// and small daemons do: a histogram without a +Inf bucket and with buckets that are
// not cumulative, and one whose _count is not its +Inf bucket.
func handwritten(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	fmt.Fprint(w, "# HELP legacy_request_seconds Request time, from a hand-written exporter.\n")
	fmt.Fprint(w, "# TYPE legacy_request_seconds histogram\n")
	for _, b := range []struct {
		le string
		n  int
	}{{"0.1", 5}, {"0.5", 3}, {"1", 9}} {
		fmt.Fprintf(w, "legacy_request_seconds_bucket{le=%q} %d\n", b.le, b.n)
	}
	fmt.Fprint(w, "legacy_request_seconds_sum 4.2\nlegacy_request_seconds_count 9\n")
	fmt.Fprint(w, "# HELP legacy_batch_seconds Batch time.\n# TYPE legacy_batch_seconds histogram\n")
	fmt.Fprint(w, "legacy_batch_seconds_bucket{le=\"10\"} 4\nlegacy_batch_seconds_bucket{le=\"+Inf\"} 10\n")
	fmt.Fprint(w, "legacy_batch_seconds_sum 61\nlegacy_batch_seconds_count 12\n")
}
