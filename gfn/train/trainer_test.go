package train_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/objective"
	"github.com/gogfn/gogfn/gfn/onpolicy"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/gfn/train"
	"github.com/gogfn/gogfn/internal/traintest"
)

func small() *onpolicy.Algorithm {
	return &onpolicy.Algorithm{Objective: objective.NewTB(), Policy: policy.Config{Hidden: []int{8}}, Trajectories: 4}
}

func newTrainer(t *testing.T, env gfn.Env, alg train.Algorithm) *train.Trainer {
	t.Helper()
	tr, err := train.New(train.Config{Env: env, Algorithm: alg, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestNewErrors(t *testing.T) {
	env := hypergrid.New(2, 4, hypergrid.Standard)
	for name, cfg := range map[string]train.Config{
		"no env":          {Algorithm: small()},
		"no algorithm":    {Env: env},
		"negative window": {Env: env, Algorithm: small(), Window: -1},
		"bad algorithm":   {Env: env, Algorithm: &onpolicy.Algorithm{}},
	} {
		if _, err := train.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// craft rewrites the iteration count of a checkpoint and fixes its checksum,
// as someone who knows the format could.
func craft(data []byte, iter int64) []byte {
	b := append([]byte(nil), data...)
	off := 8
	n := int(binary.LittleEndian.Uint64(b[off:]))
	off += 8
	for range 2 * n {
		off += 8 + int(binary.LittleEndian.Uint64(b[off:]))
	}
	binary.LittleEndian.PutUint64(b[off:], uint64(iter)) // the iteration comes first after the settings
	return fixCRC(b)
}

func TestLoadRefuses(t *testing.T) {
	env := hypergrid.New(2, 4, hypergrid.Standard)
	tr := newTrainer(t, env, small())
	traintest.Run(t, tr, 3)
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt")
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if err := newTrainer(t, env, small()).ReadCheckpoint(strings.NewReader(string(craft(data, 3)))); err != nil {
		t.Fatalf("the crafting itself is wrong: %v", err)
	}
	neg := filepath.Join(dir, "negative")
	os.WriteFile(neg, craft(data, -5), 0o644)
	zero := filepath.Join(dir, "zero")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]string{"negative iteration": neg, "symlink to /dev/zero": zero, "a directory": dir} {
		fresh := newTrainer(t, env, small())
		err := fresh.Load(p)
		if !errors.Is(err, train.ErrCheckpoint) {
			t.Errorf("%s: %v, want ErrCheckpoint", name, err)
		}
		if fresh.Iter() != 0 {
			t.Errorf("%s: the trainer changed", name)
		}
	}
}

// deadEnd is a hypergrid whose state (1, 1) has no valid action, exit
// included: an environment that breaks its contract.
type deadEnd struct{ *hypergrid.Env }

func (e deadEnd) Mask(dst []bool, s gfn.State) {
	e.Env.Mask(dst, s)
	if s[0] == 1 && s[1] == 1 {
		clear(dst)
	}
}

func TestStepReportsBrokenEnv(t *testing.T) {
	tr := newTrainer(t, deadEnd{hypergrid.New(2, 4, hypergrid.Standard)}, &onpolicy.Algorithm{
		Objective: objective.NewTB(), Policy: policy.Config{Hidden: []int{8}}, Epsilon: 1})
	var err error
	ok := 0
	for ; ok < 50; ok++ {
		if _, err = tr.Step(); err != nil {
			break
		}
	}
	if !errors.Is(err, gfn.ErrEnv) || !strings.Contains(err.Error(), "[1 1] has no valid action") {
		t.Fatalf("error %v, want one naming state [1 1]", err)
	}
	if want := fmt.Sprintf("iteration %d: ", ok+1); !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q does not begin %q", err, want)
	}
	if tr.Iter() != ok || tr.Trajectories() != 16*ok {
		t.Errorf("after %d good steps and a failed one: iteration %d, %d trajectories", ok, tr.Iter(), tr.Trajectories())
	}
}

// noCheckpoint is an algorithm that is not a Checkpointer.
type noCheckpoint struct{ train.Algorithm }

func TestSaveNeedsCheckpointer(t *testing.T) {
	tr := newTrainer(t, hypergrid.New(2, 4, hypergrid.Standard), noCheckpoint{small()})
	traintest.Run(t, tr, 1)
	if err := tr.Save(filepath.Join(t.TempDir(), "ckpt")); err == nil || !strings.Contains(err.Error(), "not a Checkpointer") {
		t.Errorf("Save: %v", err)
	}
	var b gfn.Batch
	if err := tr.Sample(&b, 3, rand.New(rand.NewPCG(1, 1))); err != nil || b.N != 3 {
		t.Errorf("Sample: %v, %d trajectories", err, b.N)
	}
}
