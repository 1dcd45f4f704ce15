package mcts

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/internal/wire"
	"github.com/gogfn/gogfn/nn"
	"github.com/gogfn/gogfn/optim"
	"gonum.org/v1/gonum/mat"
)

// Settings lists the configuration a checkpoint must match.
func (s *Algorithm) Settings() []gfn.Setting {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return []gfn.Setting{
		{Key: "algorithm", Value: "mcts"},
		{Key: "mode", Value: s.Mode.String()},
		{Key: "rollouts", Value: strconv.Itoa(s.Rollouts)},
		{Key: "eps", Value: f(s.Eps)},
		{Key: "true_reward", Value: strconv.FormatBool(s.TrueReward)},
		{Key: "q", Value: s.networks()},
		{Key: "backward", Value: typeOr(s.Backward, "uniform")},
		{Key: "trajectories", Value: strconv.Itoa(s.Trajectories)},
		{Key: "lr", Value: f(s.LR)},
		{Key: "hard_every", Value: strconv.Itoa(s.HardEvery)},
	}
}

// networks describes the Q-networks: their hidden widths when Init built
// them, else their type.
func (s *Algorithm) networks() string {
	if s.ownQ {
		return fmt.Sprint(s.Hidden)
	}
	return typeOr(s.Q, "")
}

// typeOr returns the type of v, or def when v is nil.
func typeOr(v any, def string) string {
	if v == nil {
		return def
	}
	return fmt.Sprintf("%T", v)
}

// params returns the online then the target parameters.
func (s *Algorithm) params() []*autograd.Node {
	return append(append([]*autograd.Node(nil), s.qParams...), s.tParams...)
}

// MarshalBinary encodes the online and target parameters and Adam's state.
// The trees hold nothing between iterations.
func (s *Algorithm) MarshalBinary() ([]byte, error) {
	var ps bytes.Buffer
	if err := nn.WriteParams(&ps, s.params()); err != nil {
		return nil, err
	}
	opt, err := s.opt.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return wire.AppendBytes(wire.AppendBytes(nil, ps.Bytes()), opt), nil
}

// UnmarshalBinary restores what MarshalBinary encoded. Every value is
// checked first (parameter shapes and checksum, Adam's state); on error the
// algorithm is unchanged.
func (s *Algorithm) UnmarshalBinary(data []byte) error {
	d := wire.NewDecoder(data)
	params, opt := d.Bytes(len(data)), d.Bytes(len(data))
	if err := d.Done(); err != nil {
		return fmt.Errorf("mcts: %v", err)
	}
	all := s.params()
	copies := make([]*autograd.Node, len(all))
	for i, p := range all {
		copies[i] = autograd.NewParam(mat.DenseCopyOf(p.Value))
	}
	if err := nn.ReadParams(bytes.NewReader(params), copies); err != nil {
		return fmt.Errorf("mcts: %v", err)
	}
	if err := (&optim.Adam{Params: s.qParams}).UnmarshalBinary(opt); err != nil {
		return fmt.Errorf("mcts: %v", err)
	}
	nn.CopyValues(all, copies)
	if err := s.opt.UnmarshalBinary(opt); err != nil {
		return fmt.Errorf("mcts: %v", err) // cannot happen: the same state was read above
	}
	return nil
}
