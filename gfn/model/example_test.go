package model_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/model"
	"github.com/gogfn/gogfn/gfn/objective"
	"github.com/gogfn/gogfn/gfn/onpolicy"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/gfn/train"
)

// Example trains a small model, saves it as a model file, loads it as
// another program would (without its configuration), and serves samples of
// it from a handler of a net/http service of one's own: one Sampler, shared
// by every request.
func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.gfn")

	// Training, in one program.
	tr, err := train.New(train.Config{
		Env:       hypergrid.New(2, 8, hypergrid.Standard),
		Algorithm: &onpolicy.Algorithm{Objective: objective.NewTB(), Policy: policy.Config{Hidden: []int{64, 64}}, Epsilon: 0.05},
		Seed:      1,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for tr.Iter() < 500 {
		if _, err := tr.Step(); err != nil {
			fmt.Println(err)
			return
		}
	}
	if err := tr.SaveModel(path); err != nil {
		fmt.Println(err)
		return
	}

	// Serving, in another.
	m, err := model.Load(path, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	sampler := model.NewSampler(m, model.SamplerConfig{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /objects", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Query().Get("n"))
		if err != nil || n < 1 || n > 100 {
			http.Error(w, "n must be in [1, 100]", http.StatusBadRequest)
			return
		}
		var rng *rand.Rand // nil: the sampler's own randomness
		if s := r.URL.Query().Get("seed"); s != "" {
			seed, _ := strconv.ParseUint(s, 10, 64)
			rng = rand.New(rand.NewPCG(seed, seed))
		}
		var out model.Samples // the caller's own copy
		if err := sampler.Sample(&out, n, rng); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		objects := make([][]int, out.N)
		for i := range objects {
			objects[i] = out.State(i)
		}
		json.NewEncoder(w).Encode(objects)
	})
	srv := httptest.NewServer(mux) // 127.0.0.1, a free port
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/objects?n=4&seed=7")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Print(string(body))
	it, _ := gfn.Lookup(m.Provenance, "iteration")
	fmt.Println("trained for", it, "iterations on", gfn.Describe(m.Env))
	// Output:
	// [[1,0],[1,1],[7,6],[6,7]]
	// trained for 500 iterations on [{name hypergrid} {ndim 2} {height 8} {r0 0.001} {r1 0.5} {r2 2}]
}
