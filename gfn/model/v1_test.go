package model_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn/model"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/internal/modelfile"
	"github.com/gogfn/gogfn/nn"
)

// TestVersion1 loads the version 1 files in testdata, written by the
// version 1 writer (a TB policy with a tied P_B and a flow head, and an
// M-DQN Q-network, both with 8 hidden units, on the 4×4 hypergrid), and
// checks their architecture and the numbers that the version 1 reader
// computed from them: log Z, and log P_F on (0, 0), (1, 2) and (3, 3). A
// loaded file is written again as version 2, with the same numbers.
func TestVersion1(t *testing.T) {
	inf := math.Inf(-1)
	for _, c := range []struct {
		path, backward string
		logZ           float64
		logPF          []float64
	}{
		{"testdata/v1_policy.gfn", "tied", -0.4706440480392329, []float64{-1.158825142975948, -1.0745356669476958,
			-1.0651126211311213, -1.1761763452965426, -1.0543695301215836, -1.069639882245357, inf, inf, 0}},
		{"testdata/v1_qnet.gfn", "uniform", 1.4329425337283397, []float64{-1.8745555946747934, -0.3962874875189061,
			-1.750059388838539, -0.9547412971381501, -1.6514217336079566, -0.8596475980284979, inf, inf, 0}},
	} {
		m, err := model.Load(c.path, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		if m.Network() != nil || m.Backward != c.backward || !sameBits([]float64{m.LogZ}, []float64{c.logZ}) {
			t.Errorf("%s: network %v, backward %q, log Z %v", c.path, m.Network(), m.Backward, m.LogZ)
		}
		if p := m.Policy; p != nil {
			if p.PB != policy.TiedPB || !p.HasFlow() || p.Net.Trunk.Act != nn.Tanh ||
				len(p.Net.Trunk.Layers) != 1 || p.Net.Trunk.Layers[0].Out() != 8 {
				t.Errorf("%s: the policy's architecture", c.path)
			}
		} else if q, ok := m.Q.(*softrl.QNet); !ok || !slices.Equal(modelfile.Hidden(q.Net), []int{8}) ||
			m.Lambda != 1/(1-softrl.MunchausenAlpha) {
			t.Errorf("%s: the Q-network %T, λ %v", c.path, m.Q, m.Lambda)
		}
		logPF := func(m *model.Model) []float64 {
			var tape autograd.Tape
			lp, _ := m.Evaluator().Evaluate(&tape, []int{0, 0, 1, 2, 3, 3}, 3)
			return lp.Value.RawMatrix().Data
		}
		if got := logPF(m); !sameBits(got, c.logPF) {
			t.Errorf("%s: log P_F %v, want %v", c.path, got, c.logPF)
		}
		var b bytes.Buffer
		if err := m.Write(&b); err != nil {
			t.Fatal(err)
		}
		if v := binary.LittleEndian.Uint32(b.Bytes()[4:]); v != modelfile.Version {
			t.Errorf("%s written again as version %d", c.path, v)
		}
		m2, err := model.Read(b.Bytes(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !sameBits(logPF(m2), c.logPF) || !slices.Equal(m2.Provenance, m.Provenance) {
			t.Errorf("%s: version 2 gives other numbers", c.path)
		}
	}
}
