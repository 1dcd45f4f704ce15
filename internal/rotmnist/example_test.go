package rotmnist_test

import (
	"fmt"

	"github.com/gogfn/gogfn/internal/rotmnist"
)

// A bar right of the centre, turned a quarter counter-clockwise, stands
// above it.
func ExampleRotate() {
	src := make([]uint8, rotmnist.Pixels)
	for x := 16; x < 24; x++ {
		src[14*rotmnist.Side+x] = 255
	}
	dst := make([]uint8, rotmnist.Pixels)
	rotmnist.Rotate(dst, src, 90)
	for y := 2; y < 16; y += 2 {
		fmt.Println(y, dst[y*rotmnist.Side+14])
	}
	// Output:
	// 2 0
	// 4 255
	// 6 255
	// 8 255
	// 10 255
	// 12 0
	// 14 0
}
