package gemm

// dotTile is a 4×4 tile of dot products, C[4×4] += alpha·A[4×k8]·B[4×k8]ᵀ,
// for rows of A and rows of B that are both contiguous; k8 is a positive
// multiple of 8.
type dotTile func(k8 int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int, alpha float64)

// dotMinK is the smallest inner dimension for which the dot-product path
// beats packing: below it the horizontal sums at the end of each tile cost
// more than transposing B.
const dotMinK = 32

// dotMaxM is the largest m for which A·Bᵀ uses the dot-product path.
var dotMaxM = 384

// useDot reports whether C = A·Bᵀ (tA false, tB true) should be computed as
// dot products of rows, without packing. Packing a transposed B costs a
// strided pass over all of B; for the short products of small batches that
// pass costs as much as the arithmetic, while the dot form reads both
// operands in place. For tall products the packed kernel's reuse wins.
func useDot(kr *kernel, p *params) bool {
	return kr.dot != nil && p.tB && !p.tA && p.k >= dotMinK && p.m <= dotMaxM
}

// computeDot accumulates rows [i0, i1) and columns [j0, j1) of alpha·A·Bᵀ
// into C with the dot-product tile, finishing ragged edges and the k tail
// in Go.
func (kr *kernel) computeDot(p *params, i0, i1, j0, j1 int) {
	k, k8 := p.k, p.k&^7
	a, b, c := p.a, p.b, p.c
	lda, ldb, ldc := p.lda, p.ldb, p.ldc
	i := i0
	for ; i+4 <= i1; i += 4 {
		j := j0
		for ; j+4 <= j1; j += 4 {
			kr.dot(k8, a[i*lda:], lda, b[j*ldb:], ldb, c[i*ldc+j:], ldc, p.alpha)
			if k8 < k {
				for r := i; r < i+4; r++ {
					for s := j; s < j+4; s++ {
						c[r*ldc+s] += p.alpha * dotGo(a[r*lda+k8:r*lda+k], b[s*ldb+k8:s*ldb+k])
					}
				}
			}
		}
		dotEdge(p, i, i+4, j, j1)
	}
	dotEdge(p, i, i1, j0, j1)
}

// dotEdge computes C[i0:i1, j0:j1] += alpha·A·Bᵀ one dot product at a time.
func dotEdge(p *params, i0, i1, j0, j1 int) {
	for i := i0; i < i1; i++ {
		ar := p.a[i*p.lda : i*p.lda+p.k]
		for j := j0; j < j1; j++ {
			p.c[i*p.ldc+j] += p.alpha * dotGo(ar, p.b[j*p.ldb:j*p.ldb+p.k])
		}
	}
}

// dotGo returns Σ x[i]·y[i] with four partial sums.
func dotGo(x, y []float64) float64 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}
