package nn_test

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/nn"
	"github.com/gogfn/gogfn/optim"
)

// An MLP learns XOR: four inputs [4×2] → four outputs [4×1], squared loss,
// Adam, a few hundred seeded steps.
func ExampleMLP() {
	rng := rand.New(rand.NewPCG(1, 2))
	m := nn.NewMLP([]int{2, 8, 1}, nn.Tanh, rng)
	opt := &optim.Adam{Params: m.Params(), LR: 0.05}
	xs := []float64{0, 0, 0, 1, 1, 0, 1, 1}
	ys := []float64{0, 1, 1, 0}

	var tp autograd.Tape
	var out *autograd.Node
	for step := 0; step < 300; step++ {
		tp.Reset()
		x, y := tp.Input(4, 2), tp.Input(4, 1)
		copy(x.Value.RawMatrix().Data, xs)
		copy(y.Value.RawMatrix().Data, ys)
		out = m.Forward(&tp, x)
		tp.Backward(tp.Mean(tp.SquaredError(out, y)))
		opt.Step()
	}
	for i, v := range out.Value.RawMatrix().Data {
		fmt.Printf("%v xor %v ≈ %d\n", xs[2*i], xs[2*i+1], int(math.Round(v)))
	}
	// Output:
	// 0 xor 0 ≈ 0
	// 0 xor 1 ≈ 1
	// 1 xor 0 ≈ 1
	// 1 xor 1 ≈ 0
}

// Parameters round-trip through the binary format; a model of another shape is
// refused and left as it was.
func ExampleWriteParams() {
	rng := rand.New(rand.NewPCG(1, 2))
	src := nn.NewMLP([]int{3, 4, 2}, nn.ReLU, rng)
	dst := nn.NewMLP([]int{3, 4, 2}, nn.ReLU, rng)

	var buf bytes.Buffer
	if err := nn.WriteParams(&buf, src.Params()); err != nil {
		fmt.Println(err)
	}
	fmt.Println(buf.Len(), "bytes")
	file := buf.Bytes()
	if err := nn.ReadParams(bytes.NewReader(file), dst.Params()); err != nil {
		fmt.Println(err)
	}
	fmt.Println(dst.Layers[1].W.Value.At(2, 1) == src.Layers[1].W.Value.At(2, 1))

	wide := nn.NewMLP([]int{3, 5, 2}, nn.ReLU, rng)
	fmt.Println(nn.ReadParams(bytes.NewReader(file), wide.Params()))
	// Output:
	// 256 bytes
	// true
	// nn: parameter file does not match the model: tensor 0 is 3×4 in the file, 3×5 in the model
}
