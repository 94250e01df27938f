package main

// GET /metrics: the demo's Prometheus metrics (client_golang), good ones beside a few
// planted mistakes of each kind goscope metrics finds. Every request the mux serves is
// counted and timed by route; the mistakes are marked MISTAKE below.

import (
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

var (
	metricsRegistry = prometheus.NewRegistry()

	httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "demo_http_requests_total",
		Help: "HTTP requests served, by route.",
	}, []string{"route"})
	httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "demo_http_request_duration_seconds",
		Help:    "Time to serve an HTTP request, by route.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route"})

	// MISTAKE (same-quantity, promlint unit-abbreviation): the same request time again,
	// in milliseconds, under another name.
	httpLatencyMs = prometheus.NewSummaryVec(prometheus.SummaryOpts{
		Name:       "demo_http_request_latency_ms",
		Help:       "Request latency in milliseconds.",
		Objectives: map[float64]float64{0.5: 0.05, 0.99: 0.001},
	}, []string{"route"})

	// MISTAKE (unbounded-label): the raw URL path, ids included, as a label value.
	pathRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "demo_path_requests_total",
		Help: "Requests by raw URL path.",
	}, []string{"path"})

	// MISTAKE (unbounded-label): one series per user.
	userRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "demo_user_requests_total",
		Help: "API requests by user.",
	}, []string{"user_id"})

	// MISTAKE (empty-label-value): a zero-value struct field becomes an empty label value.
	orders = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "demo_orders_total",
		Help: "Orders placed, by region.",
	}, []string{"region"})

	// MISTAKE (promlint: counter without _total, camelCase label).
	cacheLookups = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "demo_cache_lookups",
		Help: "Session cache lookups.",
	}, []string{"resultCode"})
)

type order struct {
	ID     int
	Region string // left empty by the import job
}

func init() {
	metricsRegistry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		httpRequests, httpDuration, httpLatencyMs, pathRequests, userRequests, orders, cacheLookups,
		legacyCollector{},
	)
	// What the demo's first traffic left behind (fixed, so every run shows the same).
	for i := 0; i < 40; i++ {
		userRequests.WithLabelValues(fmt.Sprint(100017 + i*7919)).Add(float64(1 + i%7))
		pathRequests.WithLabelValues(fmt.Sprintf("/users/%d/orders", 4711+i*13)).Inc()
	}
	for _, o := range []order{{1, "eu"}, {2, "us"}, {3, "eu"}, {4, ""}} {
		orders.WithLabelValues(o.Region).Inc()
	}
	cacheLookups.WithLabelValues("hit").Add(120)
	cacheLookups.WithLabelValues("miss").Add(14)
}

// legacyCollector builds its metrics by hand, as code ported from another system does.
type legacyCollector struct{}

var (
	queueWaitDesc  = prometheus.NewDesc("demo_queue_wait_seconds", "Time jobs waited in the queue.", nil, nil)
	renderTimeDesc = prometheus.NewDesc("demo_render_duration_seconds", "Template render time.", nil, nil)
)

func (legacyCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueWaitDesc
	ch <- renderTimeDesc
}

func (legacyCollector) Collect(ch chan<- prometheus.Metric) {
	// MISTAKE (histogram-not-cumulative): per-bucket counts where cumulative ones belong.
	ch <- prometheus.MustNewConstHistogram(queueWaitDesc, 12, 3.1, map[float64]uint64{0.1: 6, 0.5: 4, 1: 2})
	// MISTAKE (summary-quantile-range): 99 where 0.99 was meant.
	ch <- prometheus.MustNewConstSummary(renderTimeDesc, 40, 2.2, map[float64]float64{0.5: 0.04, 99: 0.21})
}

// instrument counts and times one request of route. The ResponseWriter is passed on
// untouched (no wrapper), so the HTTP lab's handlers keep their Flusher and hijacking.
func instrument(route string, h http.HandlerFunc) http.HandlerFunc {
	// Series exist from the start (at 0), not from the first request.
	httpRequests.WithLabelValues(route)
	httpDuration.WithLabelValues(route)
	httpLatencyMs.WithLabelValues(route)
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h(w, r)
		d := time.Since(start)
		httpRequests.WithLabelValues(route).Inc()
		httpDuration.WithLabelValues(route).Observe(d.Seconds())
		httpLatencyMs.WithLabelValues(route).Observe(float64(d.Microseconds()) / 1000)
	}
}

func metricsHandler() http.Handler {
	return promhttp.HandlerFor(metricsRegistry, promhttp.HandlerOpts{EnableOpenMetrics: true})
}
