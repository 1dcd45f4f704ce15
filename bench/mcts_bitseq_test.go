package bench

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gogfn/gogfn/envs/bitseq"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/mcts"
	"github.com/gogfn/gogfn/gfn/model"
	"github.com/gogfn/gogfn/nn"
)

var (
	mctsBitseq = flag.String("mcts-bitseq", "",
		"run the tree-search inference study on the bit-sequence model file MODEL (gfn train -env bitseq writes model.gfn) and write bitseq_fidelity.md beside it")
	mctsBitseqN        = flag.Int("mcts-bitseq-n", 1024, "samples per setting of the bit-sequence inference study")
	mctsBitseqRollouts = flag.String("mcts-bitseq-rollouts", "0,4,8,16", "rollouts of the bit-sequence inference study")
)

// TestMCTSBitseq samples a trained bit-sequence model (n = 120, k = 8) through
// tree search, on demand:
//
//	go test ./bench -run MCTSBitseq -mcts-bitseq RUN/model.gfn -timeout 0 -v
//
// For each number of rollouts (0 is the model's own Boltzmann or policy
// sampler) it draws -mcts-bitseq-n objects, 64 trajectories per rollout,
// seeded, through mcts.ForModel (the model's soft Q-values, or a policy's
// log F(s) + log P_F), once with the search's terminal nodes valued by the
// network (Q̂(s, exit), the paper's) and once by the true log R(x), and
// reports the mean log-reward of the samples, the mean of the best 100, the
// modes (of 60) within Hamming distance 30 of a sample, and the seconds.
func TestMCTSBitseq(t *testing.T) {
	if *mctsBitseq == "" {
		t.Skip("run with -mcts-bitseq MODEL")
	}
	m, err := model.Load(*mctsBitseq, nil)
	if err != nil {
		t.Fatal(err)
	}
	env, ok := m.Env.(*bitseq.Env)
	if !ok {
		t.Fatalf("%s holds a model of %T, not of bit sequences", *mctsBitseq, m.Env)
	}
	var table strings.Builder
	table.WriteString("| rollouts | terminal values | samples | mean log R | mean log R, best 100 | modes found | seconds |\n")
	table.WriteString("|---:|---|---:|---:|---:|---:|---:|\n")
	for _, r := range parseInts(t, *mctsBitseqRollouts) {
		for _, trueReward := range []bool{false, true} {
			if r == 0 && trueReward {
				continue // no search, no terminal nodes
			}
			p, err := mcts.ForModel(env, m.Evaluator(), nil, m.LogZ)
			if err != nil {
				t.Fatal(err)
			}
			p.Rollouts, p.TrueReward = r, trueReward
			start := time.Now()
			logR, found := bitseqSamples(t, env, p, *mctsBitseqN)
			slices.Sort(logR)
			terminal := "Q̂(s, exit)"
			if trueReward {
				terminal = "log R(x)"
			}
			row := fmt.Sprintf("| %d | %s | %d | %.2f | %.2f | %d / %d | %.0f |\n", r, terminal, len(logR),
				mean(logR), mean(logR[max(0, len(logR)-100):]), found, env.NumModes(), time.Since(start).Seconds())
			t.Log(strings.TrimSpace(row))
			table.WriteString(row)
		}
	}
	path := filepath.Join(filepath.Dir(*mctsBitseq), "bitseq_fidelity.md")
	if err := nn.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := io.WriteString(w, table.String())
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// bitseqSamples draws n objects through p, 64 trajectories at a time
// (seeded), and returns their log-rewards and the number of modes they found.
func bitseqSamples(t *testing.T, env *bitseq.Env, p *mcts.Planner, n int) ([]float64, int) {
	const chunk = 64
	rng := rand.New(rand.NewPCG(7, 7))
	s := gfn.Sampler{Env: env}
	modes := env.NewModeTracker()
	var b gfn.Batch
	logR := make([]float64, 0, n)
	for len(logR) < n {
		if err := s.Rollout(&b, p, min(chunk, n-len(logR)), rng); err != nil {
			t.Fatal(err)
		}
		for i := range b.N {
			x := b.Terminal(i)
			logR = append(logR, env.LogReward(x))
			modes.Add(x)
		}
	}
	return logR, modes.Found()
}
