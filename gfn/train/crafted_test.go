package train_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn/objective"
	"github.com/gogfn/gogfn/gfn/onpolicy"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/gfn/train"
	"github.com/gogfn/gogfn/internal/traintest"
	"github.com/gogfn/gogfn/internal/wire"
)

// Crafted checkpoints: real ones with one value of the replayed data changed
// and the checksum recomputed, as someone who knows the format could write.
// Each must be refused with an error that names the bad value, and leave the
// trainer unchanged.

// patch returns a copy of data with the 8-byte integer at off set to v and
// the checksum fixed.
func patch(data []byte, off, v int) []byte {
	b := append([]byte(nil), data...)
	binary.LittleEndian.PutUint64(b[off:], uint64(int64(v)))
	return fixCRC(b)
}

// checkRefused checks that tr refuses each crafted checkpoint with an error
// that says what the case wants, and stays at its iteration.
func checkRefused(t *testing.T, tr *train.Trainer, cases map[string][]byte, want map[string]string) {
	t.Helper()
	it := tr.Iter()
	for name, data := range cases {
		err := tr.ReadCheckpoint(bytes.NewReader(data))
		if !errors.Is(err, train.ErrCheckpoint) || !strings.Contains(err.Error(), want[name]) {
			t.Errorf("%s: %v, want an error that says %q", name, err, want[name])
		}
		if tr.Iter() != it {
			t.Errorf("%s: the trainer changed", name)
		}
	}
}

func checkpointOf(t *testing.T, tr *train.Trainer) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := tr.WriteCheckpoint(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestCraftedReplay: the on-policy algorithm's replayed batches.
func TestCraftedReplay(t *testing.T) {
	env := hypergrid.New(2, 4, hypergrid.Standard)
	alg := func() train.Algorithm {
		return &onpolicy.Algorithm{Objective: objective.NewTB(), Policy: policy.Config{Hidden: []int{8}},
			Trajectories: 3, ReplayBatches: 1}
	}
	tr := newTrainer(t, env, alg())
	traintest.Run(t, tr, 4)
	data := checkpointOf(t, tr)
	// The one replayed batch is the last one sampled, encoded after its
	// length and the number of replayed batches.
	enc, _ := tr.Batch().MarshalBinary()
	p := bytes.Index(data, enc)
	if p < 16 || bytes.Index(data[p+1:], enc) >= 0 {
		t.Fatalf("the last batch is not in the checkpoint once")
	}
	b := tr.Batch()
	n, m := b.N, b.M()
	lens := p + 16                // after StateDim and the count of lengths
	acts := lens + 16*n + 16      // after the lengths, the rewards' count and the rewards, and the actions' count
	states := acts + 8*m + 8 + 16 // the second state of the first trajectory, after the actions and the states' count
	at := func(off int) int { return int(int64(binary.LittleEndian.Uint64(data[off:]))) }
	if at(p-16) != 1 || at(lens) != b.Len[0] || at(acts) != b.Actions[0] || at(states+8) != b.States[3] {
		t.Fatal("the offsets are wrong")
	}
	checkRefused(t, newTrainer(t, env, alg()), map[string][]byte{
		"negative count":      patch(data, p-16, -5),
		"action":              patch(data, acts, 999),
		"state":               patch(data, states+8, 77),
		"trajectory length":   patch(data, lens, 1000),
		"negative length":     patch(data, lens, -1),
		"more batches than 1": patch(data, p-16, 2),
	}, map[string]string{
		"negative count":      "onpolicy: truncated or inconsistent data: a length of -5",
		"action":              "batch: transition 0: action 999 out of [0, 3)",
		"state":               "not [0 77]",
		"trajectory length":   "batch: trajectory length 1000",
		"negative length":     "batch: trajectory length -1",
		"more batches than 1": "a length of 2",
	})
}

// TestCraftedDQNReplay: the Soft DQN replay buffer.
func TestCraftedDQNReplay(t *testing.T) {
	env := hypergrid.New(2, 4, hypergrid.Standard)
	const capacity = 200
	alg := func() train.Algorithm {
		return &softrl.DQN{Hidden: []int{8}, Trajectories: 3, BatchSize: 4, Capacity: capacity, LearningStarts: 1}
	}
	tr := newTrainer(t, env, alg())
	traintest.Run(t, tr, 4)
	data := checkpointOf(t, tr)
	// The buffer begins with its format (−2), capacity, state size, number
	// of actions, next slot, number of transitions and largest error.
	head := wire.AppendInt(wire.AppendInt(wire.AppendInt(wire.AppendInt(nil, -2), capacity), 2), 3)
	p := bytes.Index(data, head)
	if p < 0 || bytes.Index(data[p+1:], head) >= 0 {
		t.Fatalf("the replay buffer is not in the checkpoint once")
	}
	p += 8 // the offsets below are from the capacity
	n := int(binary.LittleEndian.Uint64(data[p+32:]))
	if n < 2 || n >= capacity {
		t.Fatalf("%d transitions in the buffer", n)
	}
	states := p + 48 + 8         // after the header and the states' count
	acts := states + 2*(8*2*n+8) // after the states and the next states
	if at := func(off int) uint64 { return binary.LittleEndian.Uint64(data[off:]) }; at(states-8) != uint64(2*n) || at(acts-8) != uint64(n) {
		t.Fatal("the offsets are wrong")
	}
	checkRefused(t, newTrainer(t, env, alg()), map[string][]byte{
		"negative count": patch(data, p+32, -5),
		"action":         patch(data, acts, 999),
		"state":          patch(data, states+8, 77),
	}, map[string]string{
		"negative count": "softrl: replay with -5 of 200 transitions",
		"action":         "transition 0: action 999 out of [0, 3)",
		"state":          "coordinate 1 of [0 77] is outside [0, 4)",
	})
}

// TestCraftedVersion: versions 2 to 4 are read, others refused by number.
func TestCraftedVersion(t *testing.T) {
	env := hypergrid.New(2, 4, hypergrid.Standard)
	alg := func() train.Algorithm {
		return &softrl.DQN{Hidden: []int{8}, Trajectories: 3, BatchSize: 4, Capacity: 50, LearningStarts: 1}
	}
	tr := newTrainer(t, env, alg())
	traintest.Run(t, tr, 3)
	data := checkpointOf(t, tr)
	if v := binary.LittleEndian.Uint32(data[4:]); v != 4 {
		t.Fatalf("a checkpoint of version %d, want 4", v)
	}
	version := func(v uint32) []byte {
		b := append([]byte(nil), data...)
		binary.LittleEndian.PutUint32(b[4:], v)
		return fixCRC(b)
	}
	checkRefused(t, newTrainer(t, env, alg()), map[string][]byte{"1": version(1), "5": version(5)},
		map[string]string{"1": "version 1, this program reads versions 2 to 4", "5": "version 5, this program reads versions 2 to 4"})
	// Version 3 has the same layout: a buffer in the replay's first or
	// second encoding reads under it.
	if err := newTrainer(t, env, alg()).ReadCheckpoint(bytes.NewReader(version(3))); err != nil {
		t.Errorf("version 3: %v", err)
	}
}
