package train_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/objective"
	"github.com/gogfn/gogfn/gfn/onpolicy"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/gfn/tlm"
	"github.com/gogfn/gogfn/gfn/train"
	"github.com/gogfn/gogfn/internal/traintest"
)

// fuzzTrainers are the trainers whose checkpoints FuzzReadCheckpoint feeds
// itself: every built-in algorithm, with replay, past batches and learned
// backward policies, on a small grid.
func fuzzTrainers(t testing.TB) []*train.Trainer {
	env := hypergrid.New(2, 3, hypergrid.Standard)
	algs := []func() train.Algorithm{
		func() train.Algorithm {
			return &onpolicy.Algorithm{Objective: objective.NewTB(), Policy: policy.Config{Hidden: []int{4}, PB: policy.TiedPB},
				Trajectories: 3, ReplayBatches: 2}
		},
		func() train.Algorithm {
			return &softrl.DQN{Hidden: []int{4}, Trajectories: 3, BatchSize: 4, Capacity: 20, LearningStarts: 1}
		},
		func() train.Algorithm {
			return &tlm.Algorithm{Forward: &softrl.DQN{Hidden: []int{4}, Trajectories: 3, BatchSize: 4, Capacity: 20,
				LearningStarts: 1, UniformReplay: true}, Hidden: []int{4}, Past: 2}
		},
	}
	var trs []*train.Trainer
	for _, a := range algs {
		tr, err := train.New(train.Config{Env: env, Algorithm: a(), Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		trs = append(trs, tr)
	}
	return trs
}

// fixCRC returns a copy of the checkpoint data whose last 4 bytes are the
// checksum of the others: a crafted file that passes the checksum.
func fixCRC(data []byte) []byte {
	body := data[:len(data)-4]
	return binary.LittleEndian.AppendUint32(append([]byte(nil), body...), crc32.ChecksumIEEE(body))
}

// FuzzReadCheckpoint feeds ReadCheckpoint real checkpoints of every
// algorithm, mutated. With fix set, the checksum is recomputed after the
// mutation, so that the fuzzer explores what lies behind a valid checksum:
// crafted files. Whatever it reads, ReadCheckpoint must return an error or a
// trainer that steps without panicking.
//
//	go test -run '^$' -fuzz FuzzReadCheckpoint -fuzztime 60s ./gfn/train
func FuzzReadCheckpoint(f *testing.F) {
	for i, tr := range fuzzTrainers(f) {
		traintest.Run(f, tr, 4)
		var b bytes.Buffer
		if err := tr.WriteCheckpoint(&b); err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), b.Bytes(), false)
		f.Add(uint8(i), b.Bytes(), true)
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte, fix bool) {
		trs := fuzzTrainers(t)
		tr := trs[int(which)%len(trs)]
		if fix && len(data) >= 4 {
			data = fixCRC(data)
		}
		if err := tr.ReadCheckpoint(bytes.NewReader(data)); err != nil {
			return
		}
		for range 3 {
			if _, err := tr.Step(); err != nil {
				return
			}
		}
		var b gfn.Batch
		tr.Evaluate()
		tr.Sample(&b, 2, rand.New(rand.NewPCG(1, 1)))
	})
}
