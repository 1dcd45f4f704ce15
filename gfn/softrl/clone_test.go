package softrl_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn/softrl"
)

func TestQNetClone(t *testing.T) {
	q := softrl.NewQNet(hypergrid.New(2, 5, hypergrid.Standard), []int{8}, rand.New(rand.NewPCG(1, 1)))
	c := q.Clone()
	states := []int{0, 0, 1, 3}
	var t1, t2 autograd.Tape
	if !slices.Equal(q.Q(&t1, states, 2).Value.RawMatrix().Data, c.Q(&t2, states, 2).Value.RawMatrix().Data) {
		t.Error("the clone evaluates otherwise")
	}
	c.Params()[0].Value.Set(0, 0, 42)
	if q.Params()[0].Value.At(0, 0) == 42 || q.Params()[0].Grad == c.Params()[0].Grad {
		t.Error("the clone shares its parameters")
	}
}
