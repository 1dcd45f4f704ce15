package gfn_test

import (
	"testing"

	"github.com/gogfn/gogfn/envs/envtest"
	"github.com/gogfn/gogfn/internal/testenv"
)

func TestTestEnvs(t *testing.T) {
	envtest.Check(t, testenv.Fill{N: 3})
	envtest.Check(t, testenv.Tree{N: 3})
	envtest.Check(t, testenv.Line{N: 4})
	envtest.Check(t, testenv.Bits{})
	envtest.Check(t, testenv.Grid{})
	envtest.Check(t, testenv.Subsets{})
}
