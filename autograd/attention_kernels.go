package autograd

import "math"

// The kernels of Attention: a product of small strided matrices and a
// vectorisable exponential. Each has a portable Go definition here and, on
// amd64 with AVX-512, an assembly version (attention_amd64.s) that gives the
// same results to the bit: both accumulate with fused multiply-adds in the
// same order.

// attnKernels is one implementation of the Attention kernels.
type attnKernels struct {
	// mulRows sets, for i < m and j < n,
	//
	//	C[i,j] = Σ_{p<k} A(i,p)·B[p,j]        (or adds it to C[i,j] if acc)
	//
	// with A(i,p) = a[i·ars + p·acs] (any strides: A may be read
	// transposed), B[p,j] = b[p·ldb + j] and C[i,j] = c[i·ldc + j]. The sum
	// is accumulated from 0 with one fused multiply-add per term, p
	// ascending. It panics if a slice is too short for its shape.
	mulRows func(m, n, k int, a []float64, ars, acs int, b []float64, ldb int, c []float64, ldc int, acc bool)
	// exp sets dst[i] = expm(x[i]) (see expm). It panics if dst is
	// shorter than x.
	exp func(dst, x []float64)
	// softmax replaces each of the first rows rows of l elements of s by
	// its softmax, as softmaxGo defines it, using tmp (at least rows
	// long) as scratch. Rows must not be all −Inf, and with NaN in a row
	// the kernels may give different NaN rows. It panics if s or tmp is
	// too short.
	softmax func(s []float64, l, rows int, tmp []float64)
	// transpose sets dst[c·rows + j] = s·x[j·ldx + c] for c < cols and
	// j < rows: dst [cols×rows] is s times the transpose of the
	// [rows×cols] block of x with rows ldx apart. It panics if a slice is
	// too short for its shape.
	transpose func(dst, x []float64, rows, cols, ldx int, s float64)
}

var goAttnKernels = attnKernels{mulRows: mulRowsGo, exp: expGo, softmax: softmaxGo, transpose: transposeGo}

// checkMulRows panics unless the slices of a mulRows call are long enough.
func checkMulRows(m, n, k int, a []float64, ars, acs int, b []float64, ldb int, c []float64, ldc int) {
	if m <= 0 || n <= 0 || k <= 0 {
		return
	}
	if (m-1)*ars+(k-1)*acs >= len(a) || (k-1)*ldb+n > len(b) || (m-1)*ldc+n > len(c) || ars < 0 || acs < 0 {
		panic(shapeErr("mulRows of %d×%d×%d with short operands", m, n, k))
	}
}

func mulRowsGo(m, n, k int, a []float64, ars, acs int, b []float64, ldb int, c []float64, ldc int, acc bool) {
	checkMulRows(m, n, k, a, ars, acs, b, ldb, c, ldc)
	var sum [16]float64 // one block of a row of C, summed over p in turn
	for i := 0; i < m; i++ {
		for j0 := 0; j0 < n; j0 += len(sum) {
			s := sum[:min(len(sum), n-j0)]
			clear(s)
			for p := 0; p < k; p++ {
				av, brow := a[i*ars+p*acs], b[p*ldb+j0:p*ldb+j0+len(s)]
				for j, bv := range brow {
					s[j] = math.FMA(av, bv, s[j])
				}
			}
			crow := c[i*ldc+j0 : i*ldc+j0+len(s)]
			for j, v := range s {
				if acc {
					crow[j] += v
				} else {
					crow[j] = v
				}
			}
		}
	}
}

// Constants of expm: the Cody–Waite split of ln 2 (fdlibm's), the clamp
// below which the result would not be a normal number, and the Taylor
// coefficients 1/k! for k = 0 … 13. On |r| ≤ ln2/2 the truncated series is
// within 5e-18 of e^r.
const (
	expLog2e    = 1.4426950408889634074
	expNegLn2Hi = -6.93147180369123816490e-01
	expNegLn2Lo = -1.90821492927058770002e-10
	expMin      = -708.0
)

var expCoef = [14]float64{
	1, 1, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320,
	1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800,
}

// expm returns eˣ within about one unit in the last place for x ≤ 709, and
// 0 for x < −708 (where eˣ is below about 3e−308; softmax, its user, takes
// differences to a row's maximum, which are ≤ 0). NaN gives NaN. With
// n = round(x·log₂e) and r = x − n·ln 2, it is 2ⁿ times a degree-13
// polynomial in r evaluated by Horner's rule with fused multiply-adds, as
// the vector kernels compute it.
func expm(x float64) float64 {
	if x != x {
		return x
	}
	if x < expMin {
		return 0
	}
	n := math.RoundToEven(x * expLog2e)
	r := math.FMA(n, expNegLn2Hi, x)
	r = math.FMA(n, expNegLn2Lo, r)
	p := expCoef[13]
	for i := 12; i >= 0; i-- {
		p = math.FMA(p, r, expCoef[i])
	}
	return p * math.Float64frombits(uint64(int64(n)+1023)<<52)
}

func expGo(dst, x []float64) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = expm(v)
	}
}

// softmaxGo replaces each of the first rows rows of l elements of s by its
// softmax: with m the row's maximum and e_j = expm(x_j − m), the row becomes
// e_j·(1/sum), the sum taken in eight lanes as sum8 does, as a vector of
// eight does it.
func softmaxGo(s []float64, l, rows int, tmp []float64) {
	s, _ = s[:l*rows], tmp[:rows]
	for i := 0; i < rows; i++ {
		row := s[i*l : i*l+l]
		mx := math.Inf(-1)
		for _, v := range row {
			if v > mx {
				mx = v
			}
		}
		for j, v := range row {
			row[j] = expm(v - mx)
		}
		inv := 1 / sum8(row, 0, false)
		for j := range row {
			row[j] *= inv
		}
	}
}

// checkTranspose panics unless the slices of a transpose call are long
// enough.
func checkTranspose(dst, x []float64, rows, cols, ldx int) {
	if ldx < cols || len(dst) < rows*cols || len(x) < (rows-1)*ldx+cols {
		panic(shapeErr("transpose of %d×%d (rows %d apart) with short operands", rows, cols, ldx))
	}
}

func transposeGo(dst, x []float64, rows, cols, ldx int, s float64) {
	if rows <= 0 || cols <= 0 {
		return
	}
	checkTranspose(dst, x, rows, cols, ldx)
	for j := 0; j < rows; j++ {
		row := x[j*ldx : j*ldx+cols]
		for c, v := range row {
			dst[c*rows+j] = s * v
		}
	}
}
