package main

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// fixedRegistry is a registry whose values never change after start, so the same
// families and values come out of every scrape in every format: counters (one with
// an exemplar), gauges, a classic and a native histogram, a summary, an info-style
// metric, a unit, label values and help with escapes, UTF-8 metric and label names,
// and a sample with a timestamp.
func fixedRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()

	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "http_requests_total",
		Help: "HTTP requests served, by method and status code.",
	}, []string{"method", "code"})
	requests.WithLabelValues("GET", "200").Add(1027)
	requests.WithLabelValues("GET", "404").Add(3)
	requests.WithLabelValues("POST", "200").Add(114)
	requests.WithLabelValues("POST", "500").Add(2)
	reg.MustRegister(requests)

	bytesOut := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "response_bytes_total",
		Help: "Bytes written in response bodies.",
		Unit: "bytes",
	})
	bytesOut.(prometheus.ExemplarAdder).AddWithExemplar(52_428_800, prometheus.Labels{"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"})
	reg.MustRegister(bytesOut)

	queue := prometheus.NewGauge(prometheus.GaugeOpts{Name: "queue_depth", Help: "Jobs waiting in the queue."})
	queue.Set(42)
	reg.MustRegister(queue)

	temp := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "disk_temperature_celsius",
		Help: "Disk temperature; a value can be negative or fractional.",
	}, []string{"disk"})
	temp.WithLabelValues("sda").Set(-3.25)
	temp.WithLabelValues("sdb").Set(1e-3)
	reg.MustRegister(temp)

	escaped := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "config_file_loaded",
		Help: "Help text with a backslash \\ and a\nnewline.",
	}, []string{"path"})
	escaped.WithLabelValues(`C:\etc\app "main".conf`).Set(1)
	escaped.WithLabelValues("line one\nline two").Set(0)
	escaped.WithLabelValues("ünïcödé ☃").Set(1)
	reg.MustRegister(escaped)

	info := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "app_build_info",
		Help: "Build information, as an info-style metric: always 1.",
	}, []string{"version", "revision", "goversion"})
	info.WithLabelValues("1.4.2", "3f2a9c1", "go1.26.8").Set(1)
	reg.MustRegister(info)

	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "http_request_duration_seconds",
		Help:    "Time to serve an HTTP request.",
		Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1},
	}, []string{"handler"})
	for i, v := range []float64{0.003, 0.004, 0.008, 0.02, 0.02, 0.03, 0.07, 0.2, 0.3, 0.9, 2.5} {
		duration.WithLabelValues("/api").Observe(v)
		if i%3 == 0 {
			duration.WithLabelValues("/health").Observe(v / 10)
		}
	}
	duration.WithLabelValues("/api").(prometheus.ExemplarObserver).ObserveWithExemplar(0.042, prometheus.Labels{"trace_id": "0af7651916cd43dd8448eb211c80319c"})
	reg.MustRegister(duration)

	native := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:                            "rpc_latency_seconds",
		Help:                            "RPC latency, a native histogram.",
		NativeHistogramBucketFactor:     1.1,
		NativeHistogramMaxBucketNumber:  100,
		NativeHistogramMinResetDuration: time.Hour,
	})
	for _, v := range []float64{0, 0.0011, 0.0012, 0.004, 0.004, 0.009, 0.05, 0.12, 0.5, 1.7, -0.25} {
		native.Observe(v)
	}
	reg.MustRegister(native)

	summary := prometheus.NewSummaryVec(prometheus.SummaryOpts{
		Name:       "db_query_duration_seconds",
		Help:       "Database query time.",
		Objectives: map[float64]float64{0.5: 0.05, 0.9: 0.01, 0.99: 0.001},
		MaxAge:     time.Hour,
	}, []string{"query"})
	for i := 1; i <= 100; i++ {
		summary.WithLabelValues("select_user").Observe(float64(i) / 1000)
	}
	reg.MustRegister(summary)

	// UTF-8 metric and label names (Prometheus 3): quoted in the exposition.
	dotted := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cache.hits_total",
		Help: "Cache hits, a metric with a dot in its name.",
	}, []string{"cache.name"})
	dotted.WithLabelValues("sessions").Add(7)
	reg.MustRegister(dotted)

	// A sample with its own timestamp (a value collected earlier).
	reg.MustRegister(stamped{prometheus.NewDesc("last_backup_size_bytes", "Size of the last backup, as measured when it ran.", nil, nil)})
	return reg
}

type stamped struct{ desc *prometheus.Desc }

func (s stamped) Describe(ch chan<- *prometheus.Desc) { ch <- s.desc }

func (s stamped) Collect(ch chan<- prometheus.Metric) {
	m := prometheus.MustNewConstMetric(s.desc, prometheus.GaugeValue, 1.5e9)
	ch <- prometheus.NewMetricWithTimestamp(time.UnixMilli(1767225600123), m)
}
