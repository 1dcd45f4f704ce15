package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDgemmNarrow runs products with few columns, which some kernels hand to
// a narrower tile, around that tile's blocking.
func TestDgemmNarrow(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		kr := kernels[Current()]
		if kr.narrow != nil {
			kr = kr.narrow
		}
		rng := rand.New(rand.NewPCG(13, 14))
		for _, n := range []int{1, 5, kr.nr - 1, kr.nr} {
			for _, s := range []int{kr.mr - 1, kr.mr + 1, kr.mc + 1, kr.kc - 1, kr.kc + 1} {
				for f := 0; f < 4; f++ {
					checkDgemm(t, rng, dgemmCase{tA: f&1 != 0, tB: f&2 != 0, m: s, n: n, k: 37, alpha: 1, beta: betas[f%3], padA: 1, padB: 1, padC: 1})
					checkDgemm(t, rng, dgemmCase{tA: f&1 != 0, tB: f&2 != 0, m: 19, n: n, k: s, alpha: -0.5, beta: betas[(f+1)%3], padC: 1})
				}
			}
		}
	})
}

// TestMicroEdges calls each masked micro-kernel directly with operands that
// are not zero-padded, so that a tile which wrote outside its rows×cols
// corner would change C there, and checks the corner against the oracle.
func TestMicroEdges(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for kn := Portable; kn < numKernels; kn++ {
		if !Supported(kn) {
			continue
		}
		for _, kr := range []*kernel{kernels[kn], kernels[kn].narrow} {
			if kr == nil || !kr.masked {
				continue
			}
			const k = 7
			mr, nr := kr.mr, kr.nr
			a := randPadded(rng, k, mr, mr, 0) // packed: k steps of mr values
			b := randPadded(rng, k, nr, nr, 0)
			for _, overwrite := range []bool{false, true} {
				for rows := 1; rows <= mr; rows++ {
					for cols := 1; cols <= nr; cols++ {
						c := randPadded(rng, mr, nr, nr, 0)
						got := append([]float64(nil), c...)
						kr.micro(k, a, mr, b, nr, got, nr, rows, cols, overwrite)
						for i := 0; i < mr; i++ {
							for j := 0; j < nr; j++ {
								want := c[i*nr+j]
								if i < rows && j < cols {
									if overwrite {
										want = 0
									}
									for p := 0; p < k; p++ {
										want += a[p*mr+i] * b[p*nr+j]
									}
								}
								if d := math.Abs(got[i*nr+j] - want); d > 1e-13 {
									t.Fatalf("%v %d×%d tile, rows=%d cols=%d overwrite=%v: C[%d,%d] = %v, want %v", kn, mr, nr, rows, cols, overwrite, i, j, got[i*nr+j], want)
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestDgemmInPlace covers the shapes whose operands the kernels read in
// place rather than packed: a transposed A with alpha = 1 when C is narrow
// or the depth short, and an untransposed B, with ragged edges.
func TestDgemmInPlace(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		kr := kernels[Current()]
		rng := rand.New(rand.NewPCG(17, 18))
		for _, s := range [][3]int{
			{2*kr.mr + 3, 5*kr.nr + 1, 17},        // wide C, short depth
			{3*kr.mr + 1, kr.nr - 1, 2*kr.kc + 5}, // narrow C, long depth
			{kr.mc + kr.mr + 2, 4*kr.nr + 3, 40},  // several row blocks
		} {
			for _, tB := range []bool{false, true} {
				for _, beta := range betas {
					checkDgemm(t, rng, dgemmCase{tA: true, tB: tB, m: s[0], n: s[1], k: s[2], alpha: 1, beta: beta, padA: 3, padB: 1, padC: 2})
				}
			}
		}
	})
}

// TestShortTiles checks the short tiles of a masked kernel (kernel.short)
// against its full tile, to the bit, on every corner they cover, with NaN
// in the rows of A and the lanes of B that the corner does not use: those
// must not reach C, which a ragged panel of B read in place relies on.
func TestShortTiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	for kn := Portable; kn < numKernels; kn++ {
		kr := kernels[kn]
		if !Supported(kn) || kr.short[1] == nil {
			continue
		}
		const k = 9
		mr, nr := kr.mr, kr.nr
		for s, short := range kr.short {
			size := mr / 4 << s // 2 and 4 rows for the 8-row tile
			for rows := 1; rows <= size; rows++ {
				for cols := 1; cols <= nr; cols++ {
					a := randPadded(rng, k, mr, mr, 0)
					b := randPadded(rng, k, nr, nr, 0)
					for p := 0; p < k; p++ {
						for i := rows; i < mr; i++ {
							a[p*mr+i] = math.NaN()
						}
						for j := cols; j < nr; j++ {
							b[p*nr+j] = math.NaN()
						}
					}
					for _, overwrite := range []bool{false, true} {
						c := randPadded(rng, mr, nr, nr, 0)
						full, got := append([]float64(nil), c...), append([]float64(nil), c...)
						kr.micro(k, a, mr, b, nr, full, nr, rows, cols, overwrite)
						short(k, a, mr, b, nr, got, nr, rows, cols, overwrite)
						for i := range got {
							if math.Float64bits(got[i]) != math.Float64bits(full[i]) || math.IsNaN(got[i]) {
								t.Fatalf("%v %d-row tile, rows=%d cols=%d overwrite=%v: C[%d,%d] = %v, full tile %v",
									kn, size, rows, cols, overwrite, i/nr, i%nr, got[i], full[i])
							}
						}
					}
				}
			}
		}
	}
}

// TestRowATiles checks the rowA tiles of the masked kernels (kernel.rowA,
// and rowShort through rowTile for fewer rows), which read an untransposed
// A in place, against the tile on the packed panel of the same block, to
// the bit, with NaN in the padding of A's rows; A holds exactly the rows
// of the tile, so a tile that read past them would fault or see NaN.
func TestRowATiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for kn := Portable; kn < numKernels; kn++ {
		if !Supported(kn) {
			continue
		}
		for _, kr := range []*kernel{kernels[kn], kernels[kn].narrow} {
			if kr == nil || kr.rowA == nil {
				continue
			}
			mr, nr := kr.mr, kr.nr
			for _, k := range []int{1, 2, 7, 16} {
				for rows := 1; rows <= mr; rows++ {
					if rows < mr && kr.rowShort[0] == nil {
						break
					}
					lda := k + 3
					a := randPadded(rng, rows, k, lda, math.NaN()) // row-major, padded rows
					a = a[:(rows-1)*lda+k]
					packed := make([]float64, mr*k)
					packA(packed, false, a, lda, 1, 0, rows, 0, k, mr)
					b := randPadded(rng, k, nr, nr, 0)
					for cols := 1; cols <= nr; cols++ {
						for _, overwrite := range []bool{false, true} {
							c := randPadded(rng, mr, nr, nr, 0)
							want, got := append([]float64(nil), c...), append([]float64(nil), c...)
							kr.micro(k, packed, mr, b, nr, want, nr, rows, cols, overwrite)
							kr.rowTile(k, a, lda, b, nr, got, nr, rows, cols, overwrite)
							for i := range got {
								if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
									t.Fatalf("%v %d×%d rowA tile, k=%d rows=%d cols=%d overwrite=%v: C[%d,%d] = %v, packed tile %v",
										kn, mr, nr, k, rows, cols, overwrite, i/nr, i%nr, got[i], want[i])
								}
							}
						}
					}
				}
			}
		}
	}
}
