package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/model"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/nn"
)

type serveFlags struct {
	model, addr string
	maxN        int
	workers     int
	seed        uint64
	timeout     time.Duration
}

func newServeFlagSet() (*flag.FlagSet, *serveFlags) {
	f := &serveFlags{}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.model, "model", "", "model file, checkpoint, or the run directory holding them")
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.IntVar(&f.maxN, "max-n", 1000, "largest n of a /sample request")
	fs.IntVar(&f.workers, "workers", 0, "rollouts at once (0: the number of CPUs)")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the samplers' own random sources (requests without seed=)")
	fs.DurationVar(&f.timeout, "timeout", 10*time.Second, "time limit of a request: the connection is closed after it")
	return fs, f
}

// serveSignals asks for the signals that stop gfn serve; tests replace it.
var serveSignals = func(c chan<- os.Signal) { signal.Notify(c, os.Interrupt, syscall.SIGTERM) }

// cmdServe is gfn serve: an HTTP service of samples of a trained model.
func cmdServe(args []string, stdout, stderr io.Writer) error {
	fs, f := newServeFlagSet()
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case f.maxN < 1 || f.maxN > 1_000_000:
		return badUsage(fmt.Errorf("-max-n must be in [1, 1000000], got %d", f.maxN))
	case f.workers < 0 || f.workers > 1024:
		return badUsage(fmt.Errorf("-workers must be in [0, 1024], got %d", f.workers))
	case f.timeout <= 0:
		return badUsage(fmt.Errorf("-timeout must be positive, got %v", f.timeout))
	}
	m, err := openModel(f.model)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	h := newServer(model.NewSampler(m, model.SamplerConfig{Workers: f.workers, Seed: f.seed}), f.maxN, log)
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return err
	}
	srv := newHTTPServer(h, f.timeout, log)
	stop := make(chan os.Signal, 1)
	serveSignals(stop)
	defer signal.Stop(stop)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	log.Info("serving", "addr", "http://"+ln.Addr().String(), "model", f.model)
	fmt.Fprintf(stdout, "gfn serve: listening on http://%s\n", ln.Addr())
	select {
	case err := <-done:
		return err
	case sig := <-stop:
		log.Info("shutting down", "signal", sig.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), f.timeout+5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		return err
	}
	<-done // http.ErrServerClosed
	log.Info("stopped")
	return nil
}

// newHTTPServer returns the http.Server of gfn serve for h: headers are at
// most 16 KiB and read within 5 s, a request is read within 10 s and
// answered within timeout (the connection is closed after it), idle
// connections close after a minute. The work of a request is bounded by
// -max-n, so no handler runs unboundedly; http.TimeoutHandler, which would
// answer 503 instead of closing, costs a goroutine and a copy of every
// answer, about a tenth of a small request.
func newHTTPServer(h http.Handler, timeout time.Duration, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      timeout,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// server answers GET /sample, /healthz and /model.
type server struct {
	sampler *model.Sampler
	env     gfn.Env
	format  gfn.Formatter // nil: states are shown as vectors
	maxN    int
	info    []byte // the /model answer
	log     *slog.Logger
	mux     *http.ServeMux
	bufs    sync.Pool // of *reply
}

// newServer returns the handler of the service of s.
func newServer(s *model.Sampler, maxN int, log *slog.Logger) *server {
	m := s.Model()
	h := &server{sampler: s, env: m.Env, maxN: maxN, log: log, mux: http.NewServeMux()}
	h.format, _ = m.Env.(gfn.Formatter)
	h.info, _ = json.Marshal(modelInfo(m))
	h.bufs.New = func() any { return new(reply) }
	h.mux.HandleFunc("GET /sample", h.sample)
	h.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, []byte(`{"status":"ok"}`))
	})
	h.mux.HandleFunc("GET /model", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, h.info) })
	return h
}

// ServeHTTP logs every request (log/slog) and turns a panic into a 500.
func (h *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			h.log.Error("panic", "path", r.URL.Path, "panic", fmt.Sprint(p))
			writeError(sw, http.StatusInternalServerError, "internal error")
		}
		h.log.Info("request", "method", r.Method, "path", r.URL.Path, "query", r.URL.RawQuery,
			"status", sw.status, "bytes", sw.bytes, "duration", time.Since(start), "remote", r.RemoteAddr)
	}()
	r.Body = http.MaxBytesReader(sw, r.Body, 1<<10)
	h.mux.ServeHTTP(sw, r)
}

// reply is the reusable storage of one /sample answer.
type reply struct {
	samples model.Samples
	buf     []byte
}

// sample answers GET /sample?n=N[&seed=S]: N objects of the model, each
// in the environment's readable form (x) and as a state vector, with log
// R(x), log P_F(τ) of the trajectory that built it, and, when the model
// knows its P_B, log P_B(τ|x) and the estimate log p(x) ≈ log P_F(τ) −
// log P_B(τ|x) (see model.Samples.LogProb).
func (h *server) sample(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength != 0 {
		writeError(w, http.StatusBadRequest, "GET /sample takes no body")
		return
	}
	n, seed, hasSeed, msg := h.parseSample(r.URL.RawQuery)
	if msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	var rng *rand.Rand
	if hasSeed {
		rng = rand.New(rand.NewPCG(seed, seed))
	}
	rp := h.bufs.Get().(*reply)
	defer h.bufs.Put(rp)
	s := &rp.samples
	if err := h.sampler.Sample(s, n, rng); err != nil {
		h.log.Error("sampling failed", "error", err.Error())
		writeError(w, http.StatusInternalServerError, "sampling failed: "+err.Error())
		return
	}
	b, err := h.appendSamples(rp.buf[:0], s)
	rp.buf = b
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encoding: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, b)
}

// appendSamples appends the JSON answer of s to b:
//
//	{"n":N,"log_z":…,"samples":[{"x":…,"state":[…],"log_reward":…,"log_pf":…,"log_pb":…,"log_prob":…},…]}
//
// written by hand rather than with encoding/json, which took a fifth of the
// server's time on small requests; log_z is null and log_pb and log_prob are
// left out when not finite (unknown).
func (h *server) appendSamples(b []byte, s *model.Samples) ([]byte, error) {
	b = append(b, `{"n":`...)
	b = strconv.AppendInt(b, int64(s.N), 10)
	b = append(b, `,"log_z":`...)
	b = appendFloat(b, h.sampler.Model().LogZ)
	b = append(b, `,"samples":[`...)
	for i := 0; i < s.N; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		x := s.State(i)
		b = append(b, `{"x":`...)
		var v any = []int(x)
		if h.format != nil {
			v = h.format.FormatState(x)
		}
		switch v := v.(type) {
		case []int:
			b = appendInts(b, v)
		default:
			j, err := json.Marshal(v)
			if err != nil {
				return b, err
			}
			b = append(b, j...)
		}
		b = appendInts(append(b, `,"state":`...), x)
		b = appendFloat(append(b, `,"log_reward":`...), s.LogReward[i])
		b = appendFloat(append(b, `,"log_pf":`...), s.LogPF[i])
		if !math.IsNaN(s.LogPB[i]) {
			b = appendFloat(append(b, `,"log_pb":`...), s.LogPB[i])
			b = appendFloat(append(b, `,"log_prob":`...), s.LogProb(i))
		}
		b = append(b, '}')
	}
	return append(b, "]}"...), nil
}

// appendFloat appends v as a JSON number, or null when it is not finite.
func appendFloat(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// appendInts appends v as a JSON array.
func appendInts(b []byte, v []int) []byte {
	b = append(b, '[')
	for i, x := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(x), 10)
	}
	return append(b, ']')
}

// parseSample reads the query of /sample, or returns why it cannot.
func (h *server) parseSample(raw string) (n int, seed uint64, hasSeed bool, msg string) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return 0, 0, false, "bad query: " + err.Error()
	}
	n = 1
	for k, vs := range q {
		if len(vs) > 1 {
			return 0, 0, false, fmt.Sprintf("parameter %q given %d times", k, len(vs))
		}
		switch k {
		case "n":
			v, err := strconv.Atoi(vs[0])
			if err != nil || v < 1 || v > h.maxN {
				return 0, 0, false, fmt.Sprintf("n must be an integer in [1, %d], got %q", h.maxN, vs[0])
			}
			n = v
		case "seed":
			v, err := strconv.ParseUint(vs[0], 10, 64)
			if err != nil {
				return 0, 0, false, fmt.Sprintf("seed must be an integer in [0, 2^64), got %q", vs[0])
			}
			seed, hasSeed = v, true
		default:
			return 0, 0, false, fmt.Sprintf("unknown parameter %q (want n and seed)", k)
		}
	}
	return n, seed, hasSeed, ""
}

// finite returns a pointer to v, or nil when v is not finite (JSON has no
// NaN).
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// modelInfo is the /model answer: the model's environment, architecture
// (with the settings of its network when it is not the MLP), log Z and
// provenance.
func modelInfo(m *model.Model) any {
	kind, lambda := "policy", (*float64)(nil)
	if m.Q != nil {
		kind, lambda = "qnet", &m.Lambda
	}
	settings := func(ss []gfn.Setting) map[string]string {
		out := map[string]string{}
		for _, s := range ss {
			out[s.Key] = s.Value
		}
		return out
	}
	var network map[string]string
	if net := m.Network(); net != nil {
		if ss, err := policy.DescribeNetwork(net); err == nil {
			network = settings(ss)
		}
	}
	return struct {
		Env        map[string]string `json:"env"`
		Kind       string            `json:"kind"`
		Network    map[string]string `json:"network,omitempty"`
		Params     int               `json:"params"`
		Backward   string            `json:"backward"`
		Lambda     *float64          `json:"lambda,omitempty"`
		LogZ       *float64          `json:"log_z"`
		Provenance map[string]string `json:"provenance"`
	}{settings(gfn.Describe(m.Env)), kind, network, nn.NumParams(paramList(m.Params())), m.Backward, lambda, finite(m.LogZ), settings(m.Provenance)}
}

// paramList is a list of parameters as an nn.Module.
type paramList []*autograd.Node

func (p paramList) Params() []*autograd.Node { return p }

// writeJSON writes a JSON body b with the status.
func writeJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// writeError writes {"error": msg} with the status.
func writeError(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	writeJSON(w, status, b)
}

// statusWriter records the status and size of a response, for the log.
type statusWriter struct {
	http.ResponseWriter
	status, bytes int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}
