package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gogfn/gogfn/gfn/model"
)

// trainRun trains TB on a 4×4 grid for a few iterations and returns the
// run directory.
func trainRun(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if code, _, stderr := gfnRun(t, "train", "-height", "4", "-iters", "20", "-hidden", "16", "-out", dir, "-quiet"); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	return dir
}

// testServer serves the model at path on 127.0.0.1 as gfn serve does,
// with its access log formatted and discarded.
func testServer(t testing.TB, path string, maxN int) *httptest.Server {
	ts, _ := startServer(t, path, maxN)
	return ts
}

func startServer(t testing.TB, path string, maxN int) (*httptest.Server, *model.Sampler) {
	t.Helper()
	m, err := openModel(path)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	s := model.NewSampler(m, model.SamplerConfig{Seed: 1})
	ts := httptest.NewUnstartedServer(nil)
	ts.Config = newHTTPServer(newServer(s, maxN, log), 10*time.Second, log)
	ts.Start()
	t.Cleanup(ts.Close)
	return ts, s
}

// get returns the status and body of a GET of url.
func get(t testing.TB, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeSample(t *testing.T) {
	dir := trainRun(t)
	// The model file, and the checkpoint without it (rebuilt from config.json).
	noModel := t.TempDir()
	for _, f := range []string{checkpointFile, "config.json"} {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		os.WriteFile(filepath.Join(noModel, f), b, 0o644)
	}
	var bodies []string
	for _, path := range []string{filepath.Join(dir, modelFile), dir, noModel} {
		ts := testServer(t, path, 100)
		code, body := get(t, ts.URL+"/sample?n=7&seed=5")
		if code != http.StatusOK {
			t.Fatalf("%s: status %d: %s", path, code, body)
		}
		var r struct {
			N       int      `json:"n"`
			LogZ    *float64 `json:"log_z"`
			Samples []struct {
				X         []int    `json:"x"`
				State     []int    `json:"state"`
				LogReward *float64 `json:"log_reward"`
				LogPF     *float64 `json:"log_pf"`
				LogPB     *float64 `json:"log_pb"`
				LogProb   *float64 `json:"log_prob"`
			} `json:"samples"`
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		if r.N != 7 || len(r.Samples) != 7 || r.LogZ == nil {
			t.Fatalf("%s: %s", path, body)
		}
		for _, s := range r.Samples {
			if len(s.X) != 2 || s.X[0] < 0 || s.X[0] > 3 || fmt.Sprint(s.X) != fmt.Sprint(s.State) ||
				s.LogReward == nil || s.LogPF == nil || s.LogPB == nil || s.LogProb == nil || *s.LogPF > 0 {
				t.Fatalf("%s: sample %s", path, body)
			}
		}
		if _, again := get(t, ts.URL+"/sample?n=7&seed=5"); again != body {
			t.Errorf("%s: the same seed gave another answer", path)
		}
		bodies = append(bodies, body)
		if code, body := get(t, ts.URL+"/healthz"); code != http.StatusOK || !strings.Contains(body, `"ok"`) {
			t.Errorf("healthz: %d %s", code, body)
		}
		code, body = get(t, ts.URL+"/model")
		if code != http.StatusOK || !strings.Contains(body, `"name":"hypergrid"`) || !strings.Contains(body, `"iteration":"20"`) ||
			!strings.Contains(body, `"policy.hidden":"[16]"`) || !strings.Contains(body, `"toolkit":`) {
			t.Errorf("model: %d %s", code, body)
		}
	}
	if bodies[0] != bodies[1] || bodies[0] != bodies[2] {
		t.Errorf("the model file, the run directory and the checkpoint gave other samples:\n%s\n%s\n%s", bodies[0], bodies[1], bodies[2])
	}
}

// TestServeBadRequests checks that malformed requests get a 4xx with a
// message, and never a 500.
func TestServeBadRequests(t *testing.T) {
	ts := testServer(t, trainRun(t), 100)
	for _, c := range []struct {
		method, target, body string
		status               int
		want                 string
	}{
		{"GET", "/sample?n=0", "", 400, `n must be an integer in [1, 100], got \"0\"`},
		{"GET", "/sample?n=101", "", 400, "n must be an integer in [1, 100]"},
		{"GET", "/sample?n=-3", "", 400, "n must be"},
		{"GET", "/sample?n=ten", "", 400, "n must be"},
		{"GET", "/sample?n=99999999999999999999999", "", 400, "n must be"},
		{"GET", "/sample?n=", "", 400, "n must be"},
		{"GET", "/sample?n=1&n=2", "", 400, `parameter \"n\" given 2 times`},
		{"GET", "/sample?n=1&seed=-1", "", 400, "seed must be"},
		{"GET", "/sample?n=1&seed=1e3", "", 400, "seed must be"},
		{"GET", "/sample?m=1", "", 400, `unknown parameter \"m\"`},
		{"GET", "/sample?n=%zz", "", 400, "bad query"},
		{"GET", "/sample?n=1;seed=2", "", 400, "bad query"},
		{"GET", "/sample?n=2", "some body", 400, "takes no body"},
		{"POST", "/sample?n=2", "", 405, "Method Not Allowed"},
		{"DELETE", "/model", "", 405, "Method Not Allowed"},
		{"GET", "/samples", "", 404, "not found"},
		{"GET", "/", "", 404, "not found"},
	} {
		req, err := http.NewRequest(c.method, ts.URL+c.target, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || !strings.Contains(string(b), c.want) {
			t.Errorf("%s %s: %d %q, want %d with %q", c.method, c.target, resp.StatusCode, b, c.status, c.want)
		}
	}
	// A header larger than the limit.
	req, _ := http.NewRequest("GET", ts.URL+"/sample?n=1", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 64<<10))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a 64 KiB header: %v %v", resp, err)
	}
	if code, _ := get(t, ts.URL+"/sample?n=100"); code != http.StatusOK {
		t.Errorf("n = max-n: status %d", code)
	}
}

// lockedBuffer is a bytes buffer safe for concurrent use.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServeShutdown runs gfn serve, sends it a request and then the
// signal SIGTERM would send, and checks that it finished the request it
// was serving, logged it, and stopped with status 0.
func TestServeShutdown(t *testing.T) {
	dir := trainRun(t)
	sig := make(chan chan<- os.Signal, 1)
	old := serveSignals
	serveSignals = func(c chan<- os.Signal) { sig <- c }
	t.Cleanup(func() { serveSignals = old })
	pr, pw := io.Pipe()
	var stderr lockedBuffer
	code := make(chan int, 1)
	go func() {
		code <- run([]string{"serve", "-model", dir, "-addr", "127.0.0.1:0"}, pw, &stderr)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	go io.Copy(io.Discard, pr)
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "gfn serve: listening on ")
	if !ok {
		t.Fatalf("first line %q", line)
	}
	if c, body := get(t, url+"/sample?n=3"); c != http.StatusOK {
		t.Fatalf("%d %s", c, body)
	}
	(<-sig) <- os.Interrupt
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("exit %d: %s", c, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("gfn serve did not stop")
	}
	log := stderr.String()
	for _, want := range []string{`"msg":"request"`, `"path":"/sample"`, `"status":200`, `"msg":"shutting down"`, `"msg":"stopped"`} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %s:\n%s", want, log)
		}
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("the server still answers after the shutdown")
	}
}

// TestSampleEvalModelFile checks that gfn sample and gfn eval read a model
// file as they read the checkpoint it was written with: the same samples,
// the same exact metrics.
func TestSampleEvalModelFile(t *testing.T) {
	dir := trainRun(t)
	file := filepath.Join(dir, modelFile)
	_, fromCkpt, _ := gfnRun(t, "sample", "-checkpoint", dir, "-n", "30", "-seed", "4")
	code, fromModel, stderr := gfnRun(t, "sample", "-checkpoint", file, "-n", "30", "-seed", "4")
	if code != 0 {
		t.Fatalf("sample: %s", stderr)
	}
	checkSamples(t, fromModel, 30, 2, 4)
	if fromModel != fromCkpt {
		t.Errorf("the model file sampled\n%s\nthe checkpoint\n%s", fromModel, fromCkpt)
	}
	var a, b map[string]any
	_, ej, _ := gfnRun(t, "eval", "-checkpoint", dir, "-json")
	json.Unmarshal([]byte(ej), &a)
	code, ej, stderr = gfnRun(t, "eval", "-checkpoint", file, "-json")
	if code != 0 {
		t.Fatalf("eval: %s", stderr)
	}
	json.Unmarshal([]byte(ej), &b)
	for _, k := range []string{"iter", "trajectories", "l1", "kl", "logz", "true_logz"} {
		if a[k] != b[k] {
			t.Errorf("%s: %v from the checkpoint, %v from the model file", k, a[k], b[k])
		}
	}
	code, text, _ := gfnRun(t, "eval", "-checkpoint", file)
	if code != 0 || !strings.Contains(text, "model         TB on a 4×4 hypergrid (standard reward), 20 iterations, 320 trajectories") {
		t.Errorf("eval: %q", text)
	}
}

func TestServeFlagErrors(t *testing.T) {
	dir := trainRun(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve"}, "-model is required"},
		{[]string{"serve", "-model", dir, "-max-n", "0"}, "-max-n must be in [1, 1000000]"},
		{[]string{"serve", "-model", dir, "-workers", "-1"}, "-workers must be in [0, 1024]"},
		{[]string{"serve", "-model", dir, "-timeout", "0s"}, "-timeout must be positive"},
		{[]string{"serve", "-model", filepath.Join(dir, "metrics.jsonl")}, "not a training checkpoint"},
		{[]string{"serve", "-model", dir, "-addr", "256.0.0.1:1"}, "256.0.0.1"},
	} {
		code, _, stderr := gfnRun(t, c.args...)
		checkOneLineError(t, c.args, code, stderr, c.want)
	}
	code, stdout, _ := gfnRun(t, "serve", "-h")
	if code != 0 || !strings.Contains(stdout, "-max-n") {
		t.Errorf("serve -h: %d %q", code, stdout)
	}
}
