package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	loadTest     = flag.Bool("loadtest", false, "run the load test of gfn serve (trains an 8×8 model, then about a minute of requests on 127.0.0.1)")
	loadModel    = flag.String("loadtest.model", "", "model for -loadtest (default: TB trained for 1,000 iterations on the 8×8 grid, 256×256)")
	loadDuration = flag.Duration("loadtest.duration", 3*time.Second, "how long each load level of -loadtest lasts")
	loadN        = flag.String("loadtest.n", "10,1,100", "objects per request of the -loadtest levels")
	loadConc     = flag.String("loadtest.conc", "1,8,64", "concurrent clients of the -loadtest levels")
)

// serveModelOnce trains the model of the load test and the benchmark once
// per process: TB on the 8×8 hypergrid with the default 256×256 policy, for
// 1,000 iterations (exact L1 below 0.05, so that trajectories have the
// lengths of a trained model).
var serveModelOnce = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "gfn-serve-model")
	if err != nil {
		return "", err
	}
	var stderr bytes.Buffer
	if code := run([]string{"train", "-iters", "1000", "-eval-every", "0", "-out", dir, "-quiet"}, io.Discard, &stderr); code != 0 {
		return "", fmt.Errorf("train: %s", stderr.String())
	}
	return filepath.Join(dir, modelFile), nil
})

func servedModel(t testing.TB) string {
	t.Helper()
	if *loadModel != "" {
		return *loadModel
	}
	path, err := serveModelOnce()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(filepath.Dir(path)) })
	return path
}

// level is the outcome of one load level.
type level struct {
	ok, failed int
	seconds    float64
	cpu        time.Duration // CPU time of the process (server and clients)
	latencies  []time.Duration
}

// load sends GET url from conc goroutines for d (after a warm-up of d/5),
// each waiting for its answer before the next request, at most maxRequests
// in all.
func load(url string, conc int, d time.Duration, maxRequests int) level {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	get := func() bool {
		resp, err := client.Get(url)
		if err != nil {
			return false
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	var (
		mu  sync.Mutex
		out level
		wg  sync.WaitGroup
	)
	warm := time.Now().Add(d / 5)
	for time.Now().Before(warm) { // one connection per goroutine, warm
		var w sync.WaitGroup
		for range conc {
			w.Add(1)
			go func() { defer w.Done(); get() }()
		}
		w.Wait()
	}
	start, cpu0 := time.Now(), cpuTime()
	end := start.Add(d)
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			ok, failed := 0, 0
			for time.Now().Before(end) && ok+failed < maxRequests/conc {
				t0 := time.Now()
				if get() {
					ok++
				} else {
					failed++
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			out.ok, out.failed = out.ok+ok, out.failed+failed
			out.latencies = append(out.latencies, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	out.seconds, out.cpu = time.Since(start).Seconds(), cpuTime()-cpu0
	slices.Sort(out.latencies)
	return out
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(int(q*float64(len(sorted))), len(sorted)-1)]
}

// cpuTime returns the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ints parses a comma-separated list of integers.
func ints(t *testing.T, s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(f)
		if err != nil || v < 1 {
			t.Fatalf("bad list %q", s)
		}
		out = append(out, v)
	}
	return out
}

// loadAverage returns the first field of /proc/loadavg, or "?".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

// TestLoad is the load test of gfn serve, run on demand:
//
//	go test ./cmd/gfn -run '^TestLoad$' -loadtest -v
//
// It serves the trained 8×8 model on 127.0.0.1 (a random port) as gfn
// serve does, access log included (formatted, then discarded), and for n =
// 1, 10 and 100 objects per request and 1, 8 and 64 concurrent clients
// (each waiting for its answer before it asks again), it sends requests for
// -loadtest.duration (at most 10⁶ requests) and reports samples per second
// and the median and 99th percentile latency, with the CPU the process
// used (cores, and samples per CPU-second: on a shared machine the process
// may get less than the 2 cores). Clients and server share the
// machine. It stops by itself, and fails if a request fails.
func TestLoad(t *testing.T) {
	if !*loadTest {
		t.Skip("run with -loadtest")
	}
	ts, s := startServer(t, servedModel(t), 1000)
	t.Logf("%4s %4s %8s %10s %8s %8s %5s %11s %8s %5s", "n", "conc", "requests", "samples/s", "p50", "p99",
		"cores", "per cpu-s", "calls/ro", "load")
	for _, n := range ints(t, *loadN) {
		for _, conc := range ints(t, *loadConc) {
			r0, c0 := s.Stats()
			l := load(fmt.Sprintf("%s/sample?n=%d", ts.URL, n), conc, *loadDuration, 1_000_000)
			r1, c1 := s.Stats()
			if l.failed > 0 {
				t.Errorf("n=%d, %d clients: %d requests failed", n, conc, l.failed)
			}
			t.Logf("%4d %4d %8d %10.0f %8s %8s %5.2f %11.0f %8.1f %5s", n, conc, l.ok, float64(n*l.ok)/l.seconds,
				quantile(l.latencies, 0.5).Round(10*time.Microsecond), quantile(l.latencies, 0.99).Round(10*time.Microsecond),
				l.cpu.Seconds()/l.seconds, float64(n*l.ok)/l.cpu.Seconds(), float64(c1-c0)/float64(max(r1-r0, 1)), loadAverage())
		}
	}
}

// BenchmarkServeSample measures GET /sample?n=10 of the trained 8×8 model
// over HTTP on 127.0.0.1, from 8 clients at once (b.RunParallel with
// GOMAXPROCS·4 goroutines on 2 CPUs); it reports samples per second.
func BenchmarkServeSample(b *testing.B) {
	ts := testServer(b, servedModel(b), 1000)
	url := ts.URL + "/sample?n=10"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ReportAllocs()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(url)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(10*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
}
