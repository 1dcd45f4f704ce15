package gemm_test

import (
	"fmt"

	"github.com/gogfn/gogfn/autograd/gemm"
)

// ExampleDgemm computes C = A·Bᵀ + 0.5·C on row-major 2×3 matrices.
func ExampleDgemm() {
	a := []float64{
		1, 2, 3,
		4, 5, 6,
	}
	b := []float64{ // used as Bᵀ, a 3×2 matrix
		1, 0, -1,
		2, 1, 0,
	}
	c := []float64{
		10, 10,
		10, 10,
	}
	gemm.Dgemm(false, true, 2, 2, 3, 1, a, 3, b, 3, 0.5, c, 2)
	fmt.Println(c[:2])
	fmt.Println(c[2:])
	// Output:
	// [3 9]
	// [3 18]
}

// ExampleUse runs one product on the portable Go kernel, then restores the
// kernel chosen at start-up.
func ExampleUse() {
	prev := gemm.Use(gemm.Portable)
	defer gemm.Use(prev)
	a := []float64{1, 2, 3, 4} // 2×2
	c := make([]float64, 4)
	gemm.Dgemm(false, false, 2, 2, 2, 1, a, 2, a, 2, 0, c, 2)
	fmt.Println(gemm.Current(), c)
	// Output:
	// portable [7 10 15 22]
}
