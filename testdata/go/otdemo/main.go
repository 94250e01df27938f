// Command otdemo is a multi-service demo for `goscope traces`: one process runs three HTTP
// services on loopback (gateway, orders, inventory with a database-like connection pool),
// each with its own OpenTelemetry tracer provider (its own service.name) exporting OTLP/HTTP
// to -otlp, and each writing slog JSON logs to its own file in -logs.
//
// Some endpoints plant exactly one of goscope's request findings each (the comment on each
// says which); the others are healthy and must produce none. With -drive the program sends
// one request to each endpoint in a fixed order, flushes the exporters and exits; without
// it, it prints its addresses and serves until SIGTERM (for `goscope http` to call it).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
)

var (
	otlpURL = flag.String("otlp", "", "OTLP/HTTP base URL (spans go to <url>/v1/traces); empty: spans are not exported")
	logDir  = flag.String("logs", "", "folder for gateway.log, orders.log, inventory.log (slog JSON); empty: no logs")
	drive   = flag.Bool("drive", false, "send one request to each endpoint, flush and exit")
	slow    = flag.Duration("slow", 300*time.Millisecond, "the gateway's client timeout on the planted paths; the slow parts take 2x it")
)

// The W3C trace context: every service extracts and injects it, except where a finding is planted.
var w3c = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

type service struct {
	name   string
	tp     *sdktrace.TracerProvider
	tracer trace.Tracer
	log    *slog.Logger
	client *http.Client
	url    string // http://127.0.0.1:port once listening
	srv    *http.Server
	ln     net.Listener
}

func newService(ctx context.Context, name string, withTraceIDs bool) (*service, error) {
	opts := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(resource.NewWithAttributes(semconv.SchemaURL, semconv.ServiceName(name), attribute.String("deployment.environment.name", "demo"))),
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
	}
	if *otlpURL != "" {
		exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(*otlpURL+"/v1/traces"))
		if err != nil {
			return nil, err
		}
		opts = append(opts, sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(200*time.Millisecond)))
	}
	tp := sdktrace.NewTracerProvider(opts...)
	s := &service{name: name, tp: tp, tracer: tp.Tracer("goscope.dev/otdemo/" + name)}
	var w io.Writer = io.Discard
	if *logDir != "" {
		f, err := os.Create(filepath.Join(*logDir, name+".log"))
		if err != nil {
			return nil, err
		}
		w = f
	}
	var h slog.Handler = slog.NewJSONHandler(w, &slog.HandlerOptions{AddSource: true})
	if withTraceIDs {
		h = traceHandler{h}
	}
	s.log = slog.New(h).With("service", name)
	s.client = &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport,
		otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(w3c),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + r.URL.Path }))}
	return s, nil
}

// traceHandler adds trace_id and span_id from the record's context, as services that
// correlate logs with traces do.
type traceHandler struct{ slog.Handler }

func (h traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}
func (h traceHandler) WithAttrs(a []slog.Attr) slog.Handler {
	return traceHandler{h.Handler.WithAttrs(a)}
}
func (h traceHandler) WithGroup(g string) slog.Handler { return traceHandler{h.Handler.WithGroup(g)} }

// handler wraps mux with otelhttp server spans named "METHOD /path".
func (s *service) handler(mux http.Handler, prop propagation.TextMapPropagator) http.Handler {
	return otelhttp.NewHandler(mux, s.name, otelhttp.WithTracerProvider(s.tp), otelhttp.WithPropagators(prop),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + r.URL.Path }))
}

func (s *service) listen(h http.Handler) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	s.ln = ln
	s.url = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go s.srv.Serve(ln)
	return nil
}

// call GETs url with ctx (its deadline, if any, bounds the call) and returns the status.
func (s *service) call(ctx context.Context, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// fail marks the current span as failed and answers code.
func fail(w http.ResponseWriter, r *http.Request, code int, err error) {
	span := trace.SpanFromContext(r.Context())
	span.RecordError(err)
	span.SetStatus(codes.Error, err.Error())
	http.Error(w, err.Error(), code)
}

// ---------------------------------------------------------------------------------------
// inventory: a database-like pool of connections (a semaphore) in front of every query.

type pool struct {
	slots chan struct{}
}

// acquire waits for a connection or for ctx, in a span of its own: a request stuck here is
// waiting for the pool, not for the database.
func (p *pool) acquire(ctx context.Context, tr trace.Tracer) (func(), error) {
	ctx, span := tr.Start(ctx, "pool.acquire", trace.WithAttributes(attribute.Int("db.client.connection.pool.size", cap(p.slots))))
	defer span.End()
	select {
	case p.slots <- struct{}{}:
		return func() { <-p.slots }, nil
	case <-ctx.Done():
		span.RecordError(ctx.Err())
		span.SetStatus(codes.Error, "waiting for a connection: "+ctx.Err().Error())
		return nil, ctx.Err()
	}
}

func query(ctx context.Context, tr trace.Tracer, stmt string, d time.Duration) error {
	ctx, span := tr.Start(ctx, "db.query", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attribute.String("db.query.text", stmt)))
	defer span.End()
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		span.SetStatus(codes.Error, ctx.Err().Error())
		return ctx.Err()
	}
}

func inventoryMux(s *service, p *pool) *http.ServeMux {
	mux := http.NewServeMux()
	// Healthy: one short query.
	mux.HandleFunc("GET /items", func(w http.ResponseWriter, r *http.Request) {
		release, err := p.acquire(r.Context(), s.tracer)
		if err != nil {
			fail(w, r, http.StatusServiceUnavailable, err)
			return
		}
		defer release()
		if err := query(r.Context(), s.tracer, "SELECT id, name FROM items", 20*time.Millisecond); err != nil {
			fail(w, r, http.StatusServiceUnavailable, err)
			return
		}
		s.log.InfoContext(r.Context(), "items listed", "count", 3)
		fmt.Fprintln(w, `["widget","gadget","gizmo"]`)
	})
	// Healthy on its own; on the `timeout` path every connection is held by the batch job,
	// so the wait in pool.acquire consumes the gateway's budget.
	mux.HandleFunc("GET /reserve", func(w http.ResponseWriter, r *http.Request) {
		release, err := p.acquire(r.Context(), s.tracer)
		if err != nil {
			s.log.WarnContext(r.Context(), "reserve abandoned", "err", err.Error())
			fail(w, r, http.StatusServiceUnavailable, err)
			return
		}
		defer release()
		if err := query(r.Context(), s.tracer, "UPDATE stock SET reserved = reserved + 1 WHERE id = $1", 10*time.Millisecond); err != nil {
			fail(w, r, http.StatusServiceUnavailable, err)
			return
		}
		s.log.InfoContext(r.Context(), "reserved", "item", r.URL.Query().Get("item"))
		fmt.Fprintln(w, "reserved")
	})
	// A slow price lookup (2x -slow), honest about its context; slow only for the caller of
	// the `budget-exceeded` path, which gave it more time than it had.
	mux.HandleFunc("GET /price", func(w http.ResponseWriter, r *http.Request) {
		if err := query(r.Context(), s.tracer, "SELECT price FROM prices WHERE id = $1", 2**slow); err != nil {
			fail(w, r, http.StatusServiceUnavailable, err)
			return
		}
		s.log.InfoContext(r.Context(), "priced")
		fmt.Fprintln(w, "9.99")
	})
	return mux
}

// PLANTS context-break: /stock is served by a handler whose propagator extracts nothing
// (as a service that never set a propagator), so its server span starts a new trace while
// the gateway's client span that called it is open in the caller's trace.
func inventoryStockHandler(s *service, p *pool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stock", func(w http.ResponseWriter, r *http.Request) {
		if err := query(r.Context(), s.tracer, "SELECT count FROM stock WHERE id = $1", 15*time.Millisecond); err != nil {
			fail(w, r, http.StatusServiceUnavailable, err)
			return
		}
		s.log.InfoContext(r.Context(), "stock read")
		fmt.Fprintln(w, "42")
	})
	return s.handler(mux, propagation.NewCompositeTextMapPropagator())
}

// batch holds every pool connection for d, as a nightly job would: the `timeout` path's
// requests queue behind it. It runs as its own root span (an internal job, not a request).
func batch(s *service, p *pool, d time.Duration, started chan<- struct{}) {
	ctx, span := s.tracer.Start(context.Background(), "batch.reindex", trace.WithNewRoot())
	defer span.End()
	for i := 0; i < cap(p.slots); i++ {
		p.slots <- struct{}{}
	}
	close(started)
	query(ctx, s.tracer, "REINDEX TABLE stock", d)
	for i := 0; i < cap(p.slots); i++ {
		<-p.slots
	}
}

// ---------------------------------------------------------------------------------------
// orders

// background counts work left running after a request (the outlived-parent plant), so
// -drive can wait for it before flushing.
var background sync.WaitGroup

func ordersMux(s *service, inventory *service) *http.ServeMux {
	mux := http.NewServeMux()
	// Healthy, and the middle hop of the `timeout` path: the caller's context (cancelled
	// when the gateway gives up) bounds the call to inventory.
	mux.HandleFunc("GET /order", func(w http.ResponseWriter, r *http.Request) {
		code, err := s.call(r.Context(), inventory.url+"/reserve?item="+r.URL.Query().Get("item"))
		if err != nil || code != http.StatusOK {
			if err == nil {
				err = fmt.Errorf("inventory answered %d", code)
			}
			s.log.ErrorContext(r.Context(), "order failed", "err", err.Error())
			fail(w, r, http.StatusBadGateway, err)
			return
		}
		s.log.InfoContext(r.Context(), "order placed")
		fmt.Fprintln(w, "ordered")
	})
	// Healthy: recent orders from memory.
	mux.HandleFunc("GET /recent", func(w http.ResponseWriter, r *http.Request) {
		_, span := s.tracer.Start(r.Context(), "cache.get")
		time.Sleep(5 * time.Millisecond)
		span.End()
		s.log.InfoContext(r.Context(), "recent orders")
		fmt.Fprintln(w, "[]")
	})
	// PLANTS budget-exceeded: the handler sets a fresh 10 s timeout on a context detached
	// from its caller's instead of keeping (shrinking) the caller's deadline, so its call to
	// inventory waits 2x -slow while the gateway gave it -slow.
	mux.HandleFunc("GET /quote", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Second)
		defer cancel()
		code, err := s.call(ctx, inventory.url+"/price?item=1")
		if err != nil || code != http.StatusOK {
			fail(w, r, http.StatusBadGateway, fmt.Errorf("price: %v %d", err, code))
			return
		}
		s.log.InfoContext(r.Context(), "quoted")
		fmt.Fprintln(w, "quoted")
	})
	// PLANTS outlived-parent: the handler answers at once and leaves the audit write to a
	// goroutine with context.Background() (keeping only the span), which runs 2x -slow
	// after the request's span has ended: nothing can cancel it.
	mux.HandleFunc("GET /checkout-async", func(w http.ResponseWriter, r *http.Request) {
		parent := trace.SpanFromContext(r.Context())
		background.Add(1)
		go func() {
			defer background.Done()
			ctx := trace.ContextWithSpan(context.Background(), parent)
			ctx, span := s.tracer.Start(ctx, "audit.write")
			defer span.End()
			time.Sleep(2 * *slow)
			s.log.InfoContext(ctx, "audit written")
		}()
		s.log.InfoContext(r.Context(), "checkout accepted")
		w.WriteHeader(http.StatusAccepted)
	})
	return mux
}

// ---------------------------------------------------------------------------------------
// gateway

func gatewayMux(s *service, orders, inventory *service) *http.ServeMux {
	mux := http.NewServeMux()
	relay := func(w http.ResponseWriter, r *http.Request, url string, timeout time.Duration) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		code, err := s.call(ctx, url)
		if err != nil {
			status := http.StatusBadGateway
			if ctx.Err() == context.DeadlineExceeded {
				status = http.StatusGatewayTimeout
			}
			s.log.ErrorContext(r.Context(), "upstream failed", "url", url, "err", err.Error())
			fail(w, r, status, err)
			return
		}
		s.log.InfoContext(r.Context(), "relayed", "status", code)
		w.WriteHeader(code)
	}
	// Healthy: gateway -> orders -> inventory, well within 2 s.
	mux.HandleFunc("GET /buy", func(w http.ResponseWriter, r *http.Request) {
		relay(w, r, orders.url+"/order?item=widget", 2*time.Second)
	})
	// Healthy: two calls in parallel (overlapping siblings for the critical path).
	mux.HandleFunc("GET /home", func(w http.ResponseWriter, r *http.Request) {
		var wg sync.WaitGroup
		for _, u := range []string{inventory.url + "/items", orders.url + "/recent"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.call(r.Context(), u)
			}()
		}
		wg.Wait()
		s.log.InfoContext(r.Context(), "home rendered")
		fmt.Fprintln(w, "home")
	})
	// PLANTS timeout: the gateway gives orders -slow; orders' call to inventory waits in
	// inventory's pool (held by the batch job) until the gateway gives up: 504.
	mux.HandleFunc("GET /checkout", func(w http.ResponseWriter, r *http.Request) {
		relay(w, r, orders.url+"/order?item=hot", *slow)
	})
	// The caller side of budget-exceeded (orders /quote ignores this -slow deadline).
	mux.HandleFunc("GET /quote", func(w http.ResponseWriter, r *http.Request) {
		relay(w, r, orders.url+"/quote", *slow)
	})
	// The caller side of outlived-parent (healthy here).
	mux.HandleFunc("GET /checkout-async", func(w http.ResponseWriter, r *http.Request) {
		relay(w, r, orders.url+"/checkout-async", 2*time.Second)
	})
	// The caller side of context-break (healthy here).
	mux.HandleFunc("GET /stock", func(w http.ResponseWriter, r *http.Request) {
		relay(w, r, inventory.url+"/stock?item=1", 2*time.Second)
	})
	return mux
}

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "otdemo:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx := context.Background()
	gateway, err := newService(ctx, "gateway", true)
	if err != nil {
		return err
	}
	orders, err := newService(ctx, "orders", true)
	if err != nil {
		return err
	}
	// PLANTS logs-without-trace-id: inventory's logger has no trace handler.
	inventory, err := newService(ctx, "inventory", false)
	if err != nil {
		return err
	}
	p := &pool{slots: make(chan struct{}, 2)}

	invMux := http.NewServeMux()
	invMux.Handle("/", inventory.handler(inventoryMux(inventory, p), w3c))
	invMux.Handle("GET /stock", inventoryStockHandler(inventory, p))
	// Serve mode's switch for the `timeout` path: POST /batch?hold=D starts the batch job,
	// which holds every pool connection for D, and answers once it holds them; a /checkout
	// sent then queues behind it, as -drive's does. Not a request of the demo: no span but
	// the job's own root span (batch.reindex).
	invMux.HandleFunc("POST /batch", func(w http.ResponseWriter, r *http.Request) {
		hold, err := time.ParseDuration(r.URL.Query().Get("hold"))
		if err != nil || hold <= 0 || hold > time.Minute {
			http.Error(w, "hold=D (a duration up to 1m) is required", http.StatusBadRequest)
			return
		}
		started := make(chan struct{})
		go batch(inventory, p, hold, started)
		<-started
		fmt.Fprintln(w, "holding the pool for", hold)
	})
	for _, x := range []struct {
		s *service
		h http.Handler
	}{{inventory, invMux}} {
		if err := x.s.listen(x.h); err != nil {
			return err
		}
	}
	if err := orders.listen(orders.handler(ordersMux(orders, inventory), w3c)); err != nil {
		return err
	}
	if err := gateway.listen(gateway.handler(gatewayMux(gateway, orders, inventory), w3c)); err != nil {
		return err
	}
	addrs, _ := json.Marshal(map[string]string{"gateway": gateway.url, "orders": orders.url, "inventory": inventory.url})
	fmt.Printf("otdemo listening %s\n", addrs)

	if *drive {
		if err := driveAll(gateway.url, inventory, p); err != nil {
			return err
		}
	} else {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		<-sig
	}
	for _, s := range []*service{gateway, orders, inventory} {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		s.srv.Shutdown(sctx)
		cancel()
	}
	for _, s := range []*service{gateway, orders, inventory} {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := s.tp.Shutdown(sctx)
		cancel()
		if err != nil {
			return fmt.Errorf("%s: flushing spans: %w", s.name, err)
		}
	}
	fmt.Println("otdemo done")
	return nil
}

// driveAll sends one request to each gateway endpoint, one at a time (so the context-break
// match by time has exactly one candidate), with an untraced client: each request's trace
// starts at the gateway.
func driveAll(base string, inventory *service, p *pool) error {
	get := func(path string) error {
		resp, err := http.Get(base + path)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		fmt.Printf("otdemo GET %s %d\n", path, resp.StatusCode)
		return nil
	}
	for _, path := range []string{"/buy", "/home", "/stock", "/quote", "/checkout-async"} {
		if err := get(path); err != nil {
			return err
		}
	}
	// The batch job takes every connection for 4x -slow; /checkout then queues behind it.
	started := make(chan struct{})
	done := make(chan struct{})
	go func() { batch(inventory, p, 4**slow, started); close(done) }()
	<-started
	if err := get("/checkout"); err != nil {
		return err
	}
	<-done
	// Let the outlived work of /checkout-async finish before the exporters flush.
	background.Wait()
	return nil
}
