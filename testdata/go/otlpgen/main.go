// otlpgen exports spans and log records with the OpenTelemetry Go SDK to one or more
// OTLP endpoints, and writes what it exported to a truth file, so goscope's receiver and
// readers can be checked against what a real SDK sends.
//
//	otlpgen -export http://127.0.0.1:4318 -export grpc://127.0.0.1:4317 -gzip \
//	        -traces 20 -logs -truth truth.jsonl
//	otlpgen -export http://127.0.0.1:4318 -bench 1000000   (throughput: no truth, prints a JSON summary)
//	otlpgen -export http://127.0.0.1:4318 -requests 100000 (goscope traces' benchmark: 10-span
//	        requests across three services, some timing out; prints a JSON summary)
//
// Every exporter gets the same spans (one tracer provider, one batch processor per
// exporter), so a backend's copy can be compared with goscope's own.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

type exportList []string

func (e *exportList) String() string     { return strings.Join(*e, ",") }
func (e *exportList) Set(v string) error { *e = append(*e, v); return nil }

func main() {
	var exports exportList
	flag.Var(&exports, "export", "http://HOST:PORT or grpc://HOST:PORT (repeatable)")
	gzip := flag.Bool("gzip", false, "gzip-compress exports")
	traces := flag.Int("traces", 10, "traces to generate (each has 4 spans)")
	logs := flag.Bool("logs", false, "also export log records (2 per trace)")
	truthPath := flag.String("truth", "", "write the exported spans and logs here (JSON Lines)")
	service := flag.String("service", "otlpgen", "service.name")
	bench := flag.Int("bench", 0, "throughput mode: export this many small spans as fast as possible")
	requests := flag.Int("requests", 0, "request mode: export this many requests of 10 spans across gateway, orders and inventory (1 in 200 times out, 1 in 500 leaves work running)")
	flag.Parse()
	if len(exports) == 0 {
		fail("at least one -export is needed")
	}
	ctx := context.Background()
	res := resource.NewSchemaless(
		attribute.String("service.name", *service),
		attribute.String("service.version", "1.2.3"),
		attribute.String("deployment.environment.name", "test"),
		attribute.Int64("process.pid", int64(os.Getpid())),
	)

	var truth *truthWriter
	if *truthPath != "" {
		f, err := os.Create(*truthPath)
		if err != nil {
			fail(err.Error())
		}
		truth = &truthWriter{w: bufio.NewWriter(f), f: f}
	}

	topts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res), sdktrace.WithSampler(sdktrace.AlwaysSample())}
	if truth != nil {
		topts = append(topts, sdktrace.WithSpanProcessor(truth))
	}
	var lopts []sdklog.LoggerProviderOption
	lopts = append(lopts, sdklog.WithResource(res))
	for _, e := range exports {
		u, err := url.Parse(e)
		if err != nil || u.Host == "" {
			fail("bad -export " + e)
		}
		var exp sdktrace.SpanExporter
		switch u.Scheme {
		case "http":
			o := []otlptracehttp.Option{otlptracehttp.WithEndpoint(u.Host), otlptracehttp.WithInsecure()}
			if *gzip {
				o = append(o, otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
			}
			exp, err = otlptracehttp.New(ctx, o...)
		case "grpc":
			o := []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(u.Host), otlptracegrpc.WithInsecure()}
			if *gzip {
				o = append(o, otlptracegrpc.WithCompressor("gzip"))
			}
			exp, err = otlptracegrpc.New(ctx, o...)
		default:
			fail("bad -export scheme " + u.Scheme)
		}
		if err != nil {
			fail(err.Error())
		}
		// Blocking: a full queue waits instead of dropping spans, so "nothing lost" is testable.
		topts = append(topts, sdktrace.WithSpanProcessor(sdktrace.NewBatchSpanProcessor(exp,
			sdktrace.WithBlocking(), sdktrace.WithMaxQueueSize(8192), sdktrace.WithMaxExportBatchSize(1024))))
		if *logs {
			var lexp sdklog.Exporter
			if u.Scheme == "http" {
				o := []otlploghttp.Option{otlploghttp.WithEndpoint(u.Host), otlploghttp.WithInsecure()}
				if *gzip {
					o = append(o, otlploghttp.WithCompression(otlploghttp.GzipCompression))
				}
				lexp, err = otlploghttp.New(ctx, o...)
			} else {
				o := []otlploggrpc.Option{otlploggrpc.WithEndpoint(u.Host), otlploggrpc.WithInsecure()}
				if *gzip {
					o = append(o, otlploggrpc.WithCompressor("gzip"))
				}
				lexp, err = otlploggrpc.New(ctx, o...)
			}
			if err != nil {
				fail(err.Error())
			}
			lopts = append(lopts, sdklog.WithProcessor(sdklog.NewBatchProcessor(lexp)))
		}
	}
	if *requests > 0 {
		start := time.Now()
		spans := requestSpans(ctx, exports, *gzip, *requests)
		fmt.Printf("{\"requests\":%d,\"spans\":%d,\"seconds\":%.6f}\n", *requests, spans, time.Since(start).Seconds())
		return
	}
	tp := sdktrace.NewTracerProvider(topts...)
	lp := sdklog.NewLoggerProvider(lopts...)
	tracer := tp.Tracer("goscope.dev/otlpgen", trace.WithInstrumentationVersion("0.1.0"))
	logger := lp.Logger("goscope.dev/otlpgen/log", otellog.WithInstrumentationVersion("0.2.0"))

	start := time.Now()
	if *bench > 0 {
		benchSpans(ctx, tracer, *bench)
	} else {
		base := time.Now().Add(-time.Minute).Truncate(time.Second)
		var prev trace.SpanContext
		for i := 0; i < *traces; i++ {
			prev = oneTrace(ctx, tracer, logger, truth, *logs, i, base.Add(time.Duration(i)*time.Second), prev)
		}
	}
	if err := tp.Shutdown(ctx); err != nil {
		fail("trace export: " + err.Error())
	}
	if err := lp.Shutdown(ctx); err != nil {
		fail("log export: " + err.Error())
	}
	elapsed := time.Since(start)
	if truth != nil {
		truth.close()
	}
	if *bench > 0 {
		fmt.Printf("{\"spans\":%d,\"seconds\":%.6f}\n", *bench, elapsed.Seconds())
	}
}

// oneTrace makes a 4-span trace with times that have nanosecond digits, every attribute
// type, events, an error status with an exception event, and a link to the previous trace.
func oneTrace(ctx context.Context, tracer trace.Tracer, logger otellog.Logger, truth *truthWriter, logs bool, i int, t0 time.Time, prev trace.SpanContext) trace.SpanContext {
	at := func(ns int64) time.Time { return t0.Add(time.Duration(ns)) }
	ropts := []trace.SpanStartOption{
		trace.WithSpanKind(trace.SpanKindServer), trace.WithTimestamp(at(123)),
		trace.WithAttributes(
			attribute.String("http.request.method", "GET"),
			attribute.String("url.path", fmt.Sprintf("/checkout/%d", i)),
			attribute.Int64("http.response.status_code", 200),
			attribute.Int64("big.int", 9007199254740993), // 2^53+1: must not round
			attribute.Int64("neg.int", -42),
			attribute.Float64("ratio", 0.125),
			attribute.Bool("cached", i%2 == 0),
			attribute.StringSlice("tags", []string{"a", "b", "ü"}),
			attribute.Int64Slice("ints", []int64{1, -2, 3}),
			attribute.Float64Slice("floats", []float64{1.5, -0.25}),
			attribute.BoolSlice("bools", []bool{true, false}),
		),
	}
	if prev.IsValid() {
		ropts = append(ropts, trace.WithLinks(trace.Link{SpanContext: prev, Attributes: []attribute.KeyValue{attribute.String("link.reason", "previous")}}))
	}
	ctx, root := tracer.Start(ctx, "GET /checkout", ropts...)
	root.AddEvent("request.received", trace.WithTimestamp(at(1_001)), trace.WithAttributes(attribute.Int64("bytes", int64(100+i))))

	cctx, client := tracer.Start(ctx, "SELECT orders", trace.WithSpanKind(trace.SpanKindClient), trace.WithTimestamp(at(2_000_007)),
		trace.WithAttributes(attribute.String("db.system.name", "postgresql"), attribute.String("db.query.text", "SELECT * FROM orders WHERE id = $1")))
	_, inner := tracer.Start(cctx, "pool.acquire", trace.WithSpanKind(trace.SpanKindInternal), trace.WithTimestamp(at(2_100_011)))
	inner.End(trace.WithTimestamp(at(5_300_999)))
	if i%3 == 1 {
		client.RecordError(fmt.Errorf("context deadline exceeded"), trace.WithTimestamp(at(9_000_001)), trace.WithAttributes(attribute.String("phase", "query")))
		client.SetStatus(codes.Error, "query timed out")
	} else {
		client.SetStatus(codes.Ok, "")
	}
	client.End(trace.WithTimestamp(at(9_876_543)))

	_, producer := tracer.Start(ctx, "publish order.created", trace.WithSpanKind(trace.SpanKindProducer), trace.WithTimestamp(at(10_000_001)))
	producer.End(trace.WithTimestamp(at(10_500_002)))

	if logs {
		emit(ctx, logger, truth, at(3_000_003), otellog.SeverityInfo, "INFO", "order loaded", []attribute.KeyValue{attribute.Int("order", i), attribute.String("user", "u-42")})
		if i%3 == 1 {
			emit(cctx, logger, truth, at(9_000_005), otellog.SeverityError, "ERROR", "query failed: context deadline exceeded", []attribute.KeyValue{attribute.Bool("retry", false), attribute.Float64("elapsed_s", 0.007)})
		} else {
			emit(cctx, logger, truth, at(9_000_005), otellog.SeverityDebug, "DEBUG", "query ok", nil)
		}
	}
	root.SetAttributes(attribute.Int64("http.response.body.size", int64(512+i)))
	root.End(trace.WithTimestamp(at(12_345_678)))
	return root.SpanContext()
}

func emit(ctx context.Context, logger otellog.Logger, truth *truthWriter, t time.Time, sev otellog.Severity, sevText, body string, attrs []attribute.KeyValue) {
	var r otellog.Record
	r.SetTimestamp(t)
	r.SetObservedTimestamp(t.Add(17))
	r.SetSeverity(sev)
	r.SetSeverityText(sevText)
	r.SetBody(attribute.StringValue(body))
	r.AddAttributes(attrs...)
	logger.Emit(ctx, r)
	if truth == nil {
		return
	}
	sc := trace.SpanContextFromContext(ctx)
	a := map[string]any{}
	for _, kv := range attrs {
		k := string(kv.Key)
		switch kv.Value.Type() {
		case attribute.INT64:
			a[k] = map[string]any{"type": "INT64", "value": strconv.FormatInt(kv.Value.AsInt64(), 10)}
		case attribute.FLOAT64:
			a[k] = map[string]any{"type": "FLOAT64", "value": kv.Value.AsFloat64()}
		case attribute.BOOL:
			a[k] = map[string]any{"type": "BOOL", "value": kv.Value.AsBool()}
		default:
			a[k] = map[string]any{"type": "STRING", "value": kv.Value.AsString()}
		}
	}
	truth.write(map[string]any{
		"log":            true,
		"timeNs":         strconv.FormatInt(t.UnixNano(), 10),
		"observedNs":     strconv.FormatInt(t.Add(17).UnixNano(), 10),
		"severityNumber": int(sev),
		"severityText":   sevText,
		"body":           body,
		"attributes":     a,
		"traceId":        sc.TraceID().String(),
		"spanId":         sc.SpanID().String(),
	})
}

func benchSpans(ctx context.Context, tracer trace.Tracer, n int) {
	// Small server/client pairs, as an instrumented service emits them.
	for i := 0; i < n; i += 2 {
		c, root := tracer.Start(ctx, "GET /item", trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", "GET"), attribute.Int64("http.response.status_code", 200)))
		_, child := tracer.Start(c, "SELECT item", trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(attribute.String("db.system.name", "postgresql")))
		child.End()
		root.End()
	}
}

// requestSpans exports n requests through three services, each service with its own tracer
// provider (its own service.name) and blocking batch processors to every export, with
// explicit times (a request every 100 µs, 8-30 ms long) so the file is the same shape on any
// machine: gateway -> orders -> inventory with client/server pairs and server.address/port,
// a parallel gateway -> inventory call, a pool wait and a query. Every 200th request times
// out: the gateway's 300 ms client span fails on its deadline while inventory waits for the
// pool; every 500th leaves orders' audit.write running 400 ms after its request (an 11th
// span). Returns the number of spans.
func requestSpans(ctx context.Context, exports []string, gz bool, n int) int {
	provider := func(name string) *sdktrace.TracerProvider {
		res := resource.NewSchemaless(attribute.String("service.name", name), attribute.String("deployment.environment.name", "bench"))
		opts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res), sdktrace.WithSampler(sdktrace.AlwaysSample())}
		for _, e := range exports {
			u, err := url.Parse(e)
			if err != nil || u.Host == "" {
				fail("bad -export " + e)
			}
			var exp sdktrace.SpanExporter
			if u.Scheme == "grpc" {
				o := []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(u.Host), otlptracegrpc.WithInsecure()}
				if gz {
					o = append(o, otlptracegrpc.WithCompressor("gzip"))
				}
				exp, err = otlptracegrpc.New(ctx, o...)
			} else {
				o := []otlptracehttp.Option{otlptracehttp.WithEndpoint(u.Host), otlptracehttp.WithInsecure()}
				if gz {
					o = append(o, otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
				}
				exp, err = otlptracehttp.New(ctx, o...)
			}
			if err != nil {
				fail(err.Error())
			}
			opts = append(opts, sdktrace.WithSpanProcessor(sdktrace.NewBatchSpanProcessor(exp,
				sdktrace.WithBlocking(), sdktrace.WithMaxQueueSize(8192), sdktrace.WithMaxExportBatchSize(1024))))
		}
		return sdktrace.NewTracerProvider(opts...)
	}
	gwP, ordP, invP := provider("gateway"), provider("orders"), provider("inventory")
	gw := gwP.Tracer("goscope.dev/otlpgen/gateway")
	ord := ordP.Tracer("goscope.dev/otlpgen/orders")
	inv := invP.Tracer("goscope.dev/otlpgen/inventory")
	peer := func(host string, port int) trace.SpanStartOption {
		return trace.WithAttributes(attribute.String("server.address", host), attribute.Int("server.port", port))
	}
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	us := func(t0 time.Time, v float64) time.Time { return t0.Add(time.Duration(v * 1000)) }
	end := func(s trace.Span, t time.Time) { s.End(trace.WithTimestamp(t)) }
	kind := trace.WithSpanKind
	spans := 0
	for i := 0; i < n; i++ {
		t0 := base.Add(time.Duration(i) * 100 * time.Microsecond)
		at := func(v float64) trace.SpanStartEventOption { return trace.WithTimestamp(us(t0, v)) }
		timeout := i%200 == 199
		outlive := i%500 == 499
		d := 8000 + float64((i*7919)%22000) // µs
		if timeout {
			d = 300_400
		}
		wait := 100 + float64((i*104729)%3000)
		status := func(code int) trace.SpanStartOption {
			return trace.WithAttributes(attribute.String("http.request.method", "GET"), attribute.Int("http.response.status_code", code))
		}
		ok := 200
		if timeout {
			ok = 504
		}
		c, root := gw.Start(ctx, "GET /checkout", kind(trace.SpanKindServer), at(0), status(ok), peer("gateway", 8080))
		c1, call := gw.Start(c, "GET /order", kind(trace.SpanKindClient), at(100), peer("orders", 8081))
		c2, osrv := ord.Start(c1, "GET /order", kind(trace.SpanKindServer), at(300), status(200), peer("orders", 8081))
		_, cache := ord.Start(c2, "cache.get", at(400))
		end(cache, us(t0, 1400))
		c3, ocall := ord.Start(c2, "GET /reserve", kind(trace.SpanKindClient), at(1500), peer("inventory", 8082))
		c4, isrv := inv.Start(c3, "GET /reserve", kind(trace.SpanKindServer), at(1700), status(200), peer("inventory", 8082))
		_, pool := inv.Start(c4, "pool.acquire", at(1800))
		if timeout {
			pool.SetStatus(codes.Error, "waiting for a connection: context canceled")
			end(pool, us(t0, d-700))
			isrv.SetStatus(codes.Error, "context canceled")
			end(isrv, us(t0, d-600))
			ocall.SetStatus(codes.Error, "context canceled")
			end(ocall, us(t0, d-500))
			osrv.SetStatus(codes.Error, "context canceled")
			end(osrv, us(t0, d-300))
			call.SetStatus(codes.Error, "context deadline exceeded")
			end(call, us(t0, 300_100))
		} else {
			end(pool, us(t0, 1800+wait))
			_, q := inv.Start(c4, "db.query", kind(trace.SpanKindClient), at(1800+wait), trace.WithAttributes(attribute.String("db.system.name", "postgresql")))
			end(q, us(t0, d-900))
			spans++
			end(isrv, us(t0, d-700))
			end(ocall, us(t0, d-500))
			if outlive {
				_, audit := ord.Start(c2, "audit.write", at(d-400))
				end(audit, us(t0, d+400_000))
				spans++
			}
			end(osrv, us(t0, d-300))
			end(call, us(t0, d-100))
		}
		c5, items := gw.Start(c, "GET /items", kind(trace.SpanKindClient), at(100), peer("inventory", 8082))
		_, isrv2 := inv.Start(c5, "GET /items", kind(trace.SpanKindServer), at(250), status(200), peer("inventory", 8082))
		end(isrv2, us(t0, 4800))
		end(items, us(t0, 5000))
		if timeout {
			root.SetStatus(codes.Error, "Get \"http://orders:8081/order\": context deadline exceeded")
		}
		end(root, us(t0, d))
		spans += 9
	}
	for _, p := range []*sdktrace.TracerProvider{gwP, ordP, invP} {
		if err := p.Shutdown(ctx); err != nil {
			fail("trace export: " + err.Error())
		}
	}
	return spans
}

// truthWriter is a span processor that records every ended span as JSON.
type truthWriter struct {
	mu sync.Mutex
	w  *bufio.Writer
	f  *os.File
}

func (t *truthWriter) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (t *truthWriter) Shutdown(context.Context) error                  { return nil }
func (t *truthWriter) ForceFlush(context.Context) error                { return nil }

func (t *truthWriter) OnEnd(s sdktrace.ReadOnlySpan) {
	ev := []any{}
	for _, e := range s.Events() {
		ev = append(ev, map[string]any{"name": e.Name, "timeNs": strconv.FormatInt(e.Time.UnixNano(), 10), "attributes": attrs(e.Attributes)})
	}
	links := []any{}
	for _, l := range s.Links() {
		links = append(links, map[string]any{"traceId": l.SpanContext.TraceID().String(), "spanId": l.SpanContext.SpanID().String(), "attributes": attrs(l.Attributes)})
	}
	parent := ""
	if s.Parent().IsValid() {
		parent = s.Parent().SpanID().String()
	}
	// The SDK's codes (Unset 0, Error 1, Ok 2) in OTLP's numbering (Unset 0, Ok 1, Error 2).
	status := map[codes.Code]int{codes.Unset: 0, codes.Ok: 1, codes.Error: 2}[s.Status().Code]
	service := ""
	for _, kv := range s.Resource().Attributes() {
		if kv.Key == "service.name" {
			service = kv.Value.AsString()
		}
	}
	t.write(map[string]any{
		"traceId":       s.SpanContext().TraceID().String(),
		"spanId":        s.SpanContext().SpanID().String(),
		"parentSpanId":  parent,
		"name":          s.Name(),
		"kind":          int(s.SpanKind()),
		"startNs":       strconv.FormatInt(s.StartTime().UnixNano(), 10),
		"endNs":         strconv.FormatInt(s.EndTime().UnixNano(), 10),
		"attributes":    attrs(s.Attributes()),
		"events":        ev,
		"links":         links,
		"statusCode":    status,
		"statusMessage": s.Status().Description,
		"service":       service,
		"scope":         s.InstrumentationScope().Name,
		"scopeVersion":  s.InstrumentationScope().Version,
	})
}

// attrs writes typed values; int64 as decimal strings so JSON readers do not round them.
func attrs(kvs []attribute.KeyValue) map[string]any {
	m := map[string]any{}
	for _, kv := range kvs {
		v := kv.Value
		var val any
		switch v.Type() {
		case attribute.INT64:
			val = strconv.FormatInt(v.AsInt64(), 10)
		case attribute.INT64SLICE:
			s := []string{}
			for _, x := range v.AsInt64Slice() {
				s = append(s, strconv.FormatInt(x, 10))
			}
			val = s
		default:
			val = v.AsInterface()
		}
		m[string(kv.Key)] = map[string]any{"type": v.Type().String(), "value": val}
	}
	return m
}

func (t *truthWriter) write(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		fail(err.Error())
	}
	t.mu.Lock()
	t.w.Write(b)
	t.w.WriteByte('\n')
	t.mu.Unlock()
}

func (t *truthWriter) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.w.Flush(); err != nil {
		fail(err.Error())
	}
	t.f.Close()
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "otlpgen:", msg)
	os.Exit(1)
}
