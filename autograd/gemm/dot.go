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
// into C with the dot-product tile. Ragged edges go through the tile too
// (dotRagged), so a batch whose row count is not a multiple of 4 (the
// shrinking batches of a GFlowNet rollout) stays vectorised; only the k tail
// past the last multiple of 8 is summed in Go.
func (kr *kernel) computeDot(p *params, i0, i1, j0, j1 int, buf *buffers) {
	k, k8 := p.k, p.k&^7
	a, b, c := p.a, p.b, p.c
	lda, ldb, ldc := p.lda, p.ldb, p.ldc
	for i := i0; i < i1; i += 4 {
		rows := min(4, i1-i)
		for j := j0; j < j1; j += 4 {
			cols := min(4, j1-j)
			if rows < 4 || cols < 4 {
				kr.dotRagged(p, i, rows, j, cols, buf.tile[:16])
				continue
			}
			kr.dot(k8, a[i*lda:], lda, b[j*ldb:], ldb, c[i*ldc+j:], ldc, p.alpha)
			if k8 < k {
				for r := i; r < i+4; r++ {
					for s := j; s < j+4; s++ {
						c[r*ldc+s] += p.alpha * dotGo(a[r*lda+k8:r*lda+k], b[s*ldb+k8:s*ldb+k])
					}
				}
			}
		}
	}
}

// dotRagged accumulates the rows × cols block of alpha·A·Bᵀ at (i, j), with
// rows or cols below 4, by running the 4×4 tile into tmp over a full window
// and adding the wanted part. When the matrix has 4 or more rows the window
// is the 4 rows ending at or after the block (it may read rows that other
// tiles own; A is only read); otherwise each row is its own window, repeated
// with stride 0. Columns likewise.
func (kr *kernel) dotRagged(p *params, i, rows, j, cols int, tmp []float64) {
	k, k8 := p.k, p.k&^7
	for r0 := 0; r0 < rows; {
		ri, nr, la := i+r0, 1, 0
		if p.m >= 4 {
			ri, nr, la = min(i, p.m-4), rows, p.lda
		}
		roff := i + r0 - ri
		for s0 := 0; s0 < cols; {
			cj, nc, lb := j+s0, 1, 0
			if p.n >= 4 {
				cj, nc, lb = min(j, p.n-4), cols, p.ldb
			}
			soff := j + s0 - cj
			clear(tmp)
			kr.dot(k8, p.a[ri*p.lda:], la, p.b[cj*p.ldb:], lb, tmp, 4, p.alpha)
			for r := 0; r < nr; r++ {
				ci := (i + r0 + r) * p.ldc
				for s := 0; s < nc; s++ {
					v := tmp[(roff+r)*4+soff+s]
					if k8 < k {
						ar, bs := (i+r0+r)*p.lda, (j+s0+s)*p.ldb
						v += p.alpha * dotGo(p.a[ar+k8:ar+k], p.b[bs+k8:bs+k])
					}
					p.c[ci+j+s0+s] += v
				}
			}
			s0 += nc
		}
		r0 += nr
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
