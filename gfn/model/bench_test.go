package model_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gogfn/gogfn/envs/bitseq"
	"github.com/gogfn/gogfn/gfn/model"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/nn"
)

var (
	trainedOnce sync.Once
	trained     *model.Model
)

// trained8x8 returns TB trained for 1,000 iterations on the 8×8 hypergrid
// with the default 256×256 policy (exact L1 below 0.05), made once per
// process.
func trained8x8(b *testing.B) *model.Model {
	trainedOnce.Do(func() { trained = reload(b, trainTB(b, grid(), policy.Config{}, 1000), nil) })
	return trained
}

// BenchmarkSampler measures Sampler.Sample of n objects on the trained 8×8
// model, from one goroutine ("serial") and from GOMAXPROCS·4 at once
// ("parallel"), with the workers' own random sources.
func BenchmarkSampler(b *testing.B) {
	m := trained8x8(b)
	for _, n := range []int{1, 10, 100} {
		for _, mode := range []string{"serial", "parallel"} {
			b.Run(fmt.Sprintf("n=%d/%s", n, mode), func(b *testing.B) {
				s := model.NewSampler(m, model.SamplerConfig{Seed: 1})
				b.ReportAllocs()
				b.ResetTimer()
				cpu0 := cpuTime()
				if mode == "serial" {
					var out model.Samples
					rng := rand.New(rand.NewPCG(1, 1))
					for i := 0; i < b.N; i++ {
						if err := s.Sample(&out, n, rng); err != nil {
							b.Fatal(err)
						}
					}
				} else {
					b.SetParallelism(4)
					b.RunParallel(func(pb *testing.PB) {
						var out model.Samples
						for pb.Next() {
							if err := s.Sample(&out, n, nil); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
				b.ReportMetric(float64(n)*float64(b.N)/(cpuTime()-cpu0).Seconds(), "samples/cpu-s")
				r, c := s.Stats()
				b.ReportMetric(float64(c)/float64(r), "calls/rollout")
			})
		}
	}
}

// cpuTime returns the CPU time the process has used, user and system: on a
// shared machine, samples per CPU-second move less than samples per second.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSamplerTransformer measures Sampler.Sample of n objects, from
// one goroutine, on an untrained transformer policy of the papers' sizes
// (width 64, 8 heads, 3 layers, feed-forward 64) on their bit sequences
// (n = 120, k = 8: 15 steps over 3,840 actions), with a tied P_B that
// scores every trajectory.
func BenchmarkSamplerTransformer(b *testing.B) {
	env, err := bitseq.New(bitseq.Config{})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	tf, err := bitseq.NewTransformer(env, nn.TransformerConfig{}, rng)
	if err != nil {
		b.Fatal(err)
	}
	p, err := policy.New(env, policy.Config{Network: tf, PB: policy.TiedPB}, rng)
	if err != nil {
		b.Fatal(err)
	}
	m := &model.Model{Env: env, Policy: p, Backward: "tied", LogZ: math.NaN()}
	for _, n := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			s := model.NewSampler(m, model.SamplerConfig{Workers: 1, Seed: 1})
			var out model.Samples
			if err := s.Sample(&out, n, rng); err != nil { // grow the buffers
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := s.Sample(&out, n, rng); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}
