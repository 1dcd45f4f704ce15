package gfn_test

import (
	"testing"

	"github.com/gogfn/gogfn/envs/envtest"
)

func TestTestEnvs(t *testing.T) {
	envtest.Check(t, fill{3})
	envtest.Check(t, tree{3})
}
