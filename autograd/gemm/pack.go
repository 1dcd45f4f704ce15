package gemm

// packA copies the mb×kb block of alpha·op(A) starting at row i0, column p0
// into dst as ⌈mb/mr⌉ micro-panels. Panel q holds rows q·mr … q·mr+mr−1 as kb
// steps of mr values: dst[q·mr·kb + p·mr + r] = alpha·op(A)[i0+q·mr+r, p0+p].
// Rows past mb are zero, so edge tiles run the full kernel.
func packA(dst []float64, tA bool, a []float64, lda int, alpha float64, i0, mb, p0, kb, mr int) {
	for q := 0; q*mr < mb; q++ {
		panel := dst[q*mr*kb : (q+1)*mr*kb]
		rows := min(mr, mb-q*mr)
		i := i0 + q*mr
		if tA { // op(A)[i, p] = a[p·lda + i]: each k step is contiguous.
			for p := 0; p < kb; p++ {
				src := a[(p0+p)*lda+i : (p0+p)*lda+i+rows]
				d := panel[p*mr : p*mr+mr]
				for r, v := range src {
					d[r] = alpha * v
				}
				clear(d[rows:])
			}
			continue
		}
		// op(A)[i, p] = a[i·lda + p]: each row is contiguous. Four rows
		// are read together so that each k step writes four adjacent
		// values.
		r := 0
		for ; r+4 <= rows; r += 4 {
			s0 := a[(i+r)*lda+p0 : (i+r)*lda+p0+kb]
			s1 := a[(i+r+1)*lda+p0 : (i+r+1)*lda+p0+kb]
			s2 := a[(i+r+2)*lda+p0 : (i+r+2)*lda+p0+kb]
			s3 := a[(i+r+3)*lda+p0 : (i+r+3)*lda+p0+kb]
			for p := range s0 {
				d := panel[p*mr+r : p*mr+r+4 : p*mr+r+4]
				d[0], d[1], d[2], d[3] = alpha*s0[p], alpha*s1[p], alpha*s2[p], alpha*s3[p]
			}
		}
		for ; r < rows; r++ {
			src := a[(i+r)*lda+p0 : (i+r)*lda+p0+kb]
			for p, v := range src {
				panel[p*mr+r] = alpha * v
			}
		}
		if rows < mr {
			for p := 0; p < kb; p++ {
				clear(panel[p*mr+rows : p*mr+mr])
			}
		}
	}
}

// packB copies the kb×nb block of op(B) starting at row p0, column j0 into
// dst as ⌈nb/nr⌉ micro-panels. Panel q holds columns q·nr … q·nr+nr−1 as kb
// rows of nr values: dst[q·nr·kb + p·nr + c] = op(B)[p0+p, j0+q·nr+c].
// Columns past nb are zero.
func packB(dst []float64, tB bool, b []float64, ldb int, p0, kb, j0, nb, nr int) {
	for q := 0; q*nr < nb; q++ {
		panel := dst[q*nr*kb : (q+1)*nr*kb]
		cols := min(nr, nb-q*nr)
		j := j0 + q*nr
		if !tB { // op(B)[p, j] = b[p·ldb + j]: each row is contiguous.
			for p := 0; p < kb; p++ {
				d := panel[p*nr : p*nr+nr]
				copy(d, b[(p0+p)*ldb+j:(p0+p)*ldb+j+cols])
				clear(d[cols:])
			}
			continue
		}
		// op(B)[p, j] = b[j·ldb + p]: each column is contiguous. Four
		// columns are read together so that each k step writes four
		// adjacent values.
		c := 0
		for ; c+4 <= cols; c += 4 {
			s0 := b[(j+c)*ldb+p0 : (j+c)*ldb+p0+kb]
			s1 := b[(j+c+1)*ldb+p0 : (j+c+1)*ldb+p0+kb]
			s2 := b[(j+c+2)*ldb+p0 : (j+c+2)*ldb+p0+kb]
			s3 := b[(j+c+3)*ldb+p0 : (j+c+3)*ldb+p0+kb]
			for p := range s0 {
				d := panel[p*nr+c : p*nr+c+4 : p*nr+c+4]
				d[0], d[1], d[2], d[3] = s0[p], s1[p], s2[p], s3[p]
			}
		}
		for ; c < cols; c++ {
			src := b[(j+c)*ldb+p0 : (j+c)*ldb+p0+kb]
			for p, v := range src {
				panel[p*nr+c] = v
			}
		}
		if cols < nr {
			for p := 0; p < kb; p++ {
				clear(panel[p*nr+cols : p*nr+nr])
			}
		}
	}
}
