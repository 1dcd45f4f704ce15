package bench

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/envs/bitseq"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/objective"
	"github.com/gogfn/gogfn/gfn/onpolicy"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/gfn/tlm"
	"github.com/gogfn/gogfn/gfn/train"
	"github.com/gogfn/gogfn/nn"
)

// bitseqTrainer returns a trainer of the papers' bit-sequence setting for
// n = 120 and k bits per word with the transformer policy: alg is "tb",
// "tb+tlm" (TLM on the P_B head, the bit-sequence schedule) or "mdqn", with
// the papers' defaults as gfn train sets them, warmed up past the DQN's
// learning start.
func bitseqTrainer(b testing.TB, k int, alg string) *train.Trainer {
	env, err := bitseq.New(bitseq.Config{N: 120, K: k})
	if err != nil {
		b.Fatal(err)
	}
	net, err := bitseq.NewTransformer(env, nn.TransformerConfig{}, rand.New(rand.NewPCG(1, 0x7f)))
	if err != nil {
		b.Fatal(err)
	}
	var a train.Algorithm
	switch alg {
	case "tb", "tb+tlm":
		op := &onpolicy.Algorithm{Objective: objective.NewTB(), Policy: policy.Config{Network: net},
			Epsilon: 0.001, WeightDecay: 1e-5, ObjectiveLR: 0.064}
		a = op
		if alg == "tb+tlm" {
			a = &tlm.Algorithm{Forward: op, HeadOnly: true, Past: 20, Gamma: 0.9999, Tau: 0.1, Norm: tlm.PerTrajectory}
		}
	case "mdqn":
		a = &softrl.DQN{Q: softrl.NetworkQ{Net: net}, Target: softrl.NetworkQ{Net: policy.CloneNetwork(net)},
			Alpha: softrl.MunchausenAlpha, Epsilon: 0.001, WeightDecay: 1e-5,
			PERAlpha: 0.9, BetaStart: 0.1, BetaEnd: 0.1, ApplyWeights: true, LeafCoeff: 5, HardEvery: 5, L0: -25, LearningStarts: 50}
	default:
		panic(alg)
	}
	tr, err := train.New(train.Config{Env: env, Algorithm: a, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	for range 60 {
		if _, err := tr.Step(); err != nil {
			b.Fatal(err)
		}
	}
	return tr
}

// BenchmarkBitseq measures one training iteration of the bit-sequence task
// (n = 120, k = 8; 16 trajectories of 15 steps) with the papers'
// transformer policy in training mode (dropout on), through
// train.Trainer.Step: TB, TB with TLM training the P_B head on one of the
// last 20 batches, and Munchausen DQN (a rollout, then a replay batch of 256
// transitions through the online and target networks). The TB iteration is
// also split into sampling (the 15 recorded forward passes), loss, backward
// and Adam (tb/split). cpu-ms/op is the benchmark goroutine's thread CPU
// time per op (see BenchmarkTransformer), the figure to compare on a shared
// machine.
func BenchmarkBitseq(b *testing.B) {
	for _, alg := range []string{"tb", "tb+tlm", "mdqn"} {
		b.Run(alg, func(b *testing.B) {
			tr := bitseqTrainer(b, 8, alg)
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := processCPU()
			for range b.N {
				if _, err := tr.Step(); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu0)
		})
	}
	b.Run("tb/split", func(b *testing.B) {
		tr := bitseqTrainer(b, 8, "tb")
		alg := tr.Algorithm().(*onpolicy.Algorithm)
		pol := alg.Trained()
		rng := rand.New(rand.NewPCG(2, 2))
		s := policy.Sampler{Policy: pol, Rand: rng, Epsilon: 0.001}
		var (
			tape  autograd.Tape
			batch gfn.Batch
			split [4]time.Duration
		)
		opt, _ := alg.Optimizers()
		step := func() {
			t0 := time.Now()
			tape.Reset()
			pol.SetTraining(rng)
			sc, err := s.Rollout(&batch, &tape, 16)
			if err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			loss := alg.Objective.Loss(&tape, &batch, sc)
			t2 := time.Now()
			tape.Backward(loss)
			t3 := time.Now()
			opt.Step()
			pol.SetTraining(nil)
			t4 := time.Now()
			split[0] += t1.Sub(t0)
			split[1] += t2.Sub(t1)
			split[2] += t3.Sub(t2)
			split[3] += t4.Sub(t3)
		}
		for range 3 {
			step()
		}
		split = [4]time.Duration{}
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		b.ReportAllocs()
		b.ResetTimer()
		cpu0 := processCPU()
		for range b.N {
			step()
		}
		reportCPU(b, cpu0)
		for i, name := range []string{"sample", "loss", "backward", "adam"} {
			b.ReportMetric(split[i].Seconds()*1e3/float64(b.N), name+"-ms/op")
		}
	})
}

// BenchmarkCorrelationBitseq measures the test-set Spearman correlation of
// the bit-sequence task (n = 120, k = 8: 7,200 sequences, 10 backward
// trajectories each, 15 transformer passes per trajectory in evaluation
// mode) with an untrained transformer policy. One op is one whole
// evaluation; it takes minutes, so it runs only when asked for by name:
//
//	go test ./bench -run '^$' -bench CorrelationBitseq -benchtime 1x
func BenchmarkCorrelationBitseq(b *testing.B) {
	tr := bitseqTrainer(b, 8, "tb")
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c, err := tr.Correlation(0)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(c.Objects), "objects")
		b.ReportMetric(c.Seconds, "s/eval")
	}
}
