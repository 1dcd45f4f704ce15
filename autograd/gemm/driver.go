package gemm

// params describes one product C += alpha·op(A)·op(B) (C already scaled by
// beta).
type params struct {
	tA, tB  bool
	m, n, k int
	alpha   float64
	a       []float64
	lda     int
	b       []float64
	ldb     int
	c       []float64
	ldc     int
	dot     bool // compute with the dot-product tile (see useDot)
	// overwrite says that C was not scaled (beta = 0): the first depth
	// block stores into C without reading it. Only masked kernels do this.
	overwrite bool
}

// buffers holds the packing space of one goroutine: a packed A block, a
// packed B block and one C tile for edges. They are sized once for the
// largest kernel, so switching kernels does not reallocate.
type buffers struct {
	a, b, tile []float64
}

func newBuffers() *buffers {
	var na, nb, nt int
	for _, kr := range kernels {
		if kr != nil && kr.narrow != nil {
			nt = max(nt, kr.narrow.mr*kr.narrow.nr)
			na = max(na, kr.narrow.mc*kr.narrow.kc)
			nb = max(nb, kr.narrow.kc*kr.narrow.nc)
		}
		if kr != nil {
			na = max(na, kr.mc*kr.kc)
			nb = max(nb, kr.kc*kr.nc)
			nt = max(nt, kr.mr*kr.nr)
		}
	}
	return &buffers{a: make([]float64, na), b: make([]float64, nb), tile: make([]float64, nt)}
}

// blocks returns the block size to cut n into pieces of at most size, with
// the pieces as equal as possible and each a multiple of unit (except the
// last).
func blocks(n, size, unit int) int {
	if n <= size {
		return n
	}
	nb := (n + size - 1) / size
	bs := (n + nb - 1) / nb
	return (bs + unit - 1) / unit * unit
}

// compute accumulates rows [i0, i1) and columns [j0, j1) of the product into
// C with kernel kr, packing into buf. This is the five-loop blocked algorithm
// of Goto and van de Geijn (BLIS): column blocks of nc, depth blocks of kc
// (B block packed, sized for L2), row blocks of mc (A block packed), then
// the nr×mr register tiles.
func (kr *kernel) compute(p *params, i0, i1, j0, j1 int, buf *buffers) {
	if p.dot {
		kr.computeDot(p, i0, i1, j0, j1, buf)
		return
	}
	mr, nr := kr.mr, kr.nr
	nc := blocks(j1-j0, kr.nc, nr)
	kc := blocks(p.k, kr.kc, 1)
	mc := blocks(i1-i0, kr.mc, mr)
	tile := buf.tile[:mr*nr]
	for jc := j0; jc < j1; jc += nc {
		nb := min(nc, j1-jc)
		for pc := 0; pc < p.k; pc += kc {
			kb := min(kc, p.k-pc)
			// Full-width panels of an untransposed B are read in place,
			// ldb apart: their rows are already contiguous, and for the
			// short products of small batches the copy would cost as
			// much as the arithmetic. A masked kernel reads the ragged
			// last panel in place too when few row tiles share it (up to
			// 4: measured faster for m = 16, slower for m = 256);
			// otherwise it is packed, as is a transposed B.
			direct := !p.tB
			raggedDirect := kr.masked && i1-i0 <= 4*mr
			if !direct {
				packB(buf.b, p.tB, p.b, p.ldb, pc, kb, jc, nb, nr)
			} else if rem := nb % nr; rem != 0 && !raggedDirect {
				packB(buf.b[(nb-rem)*kb:], false, p.b, p.ldb, pc, kb, jc+nb-rem, rem, nr)
			}
			for ic := i0; ic < i1; ic += mc {
				mb := min(mc, i1-ic)
				// Likewise a transposed A with alpha = 1 is already laid
				// out as the kernel reads it, mr values per k step, lda
				// apart; only its ragged last panel is packed. This pays
				// when each A panel meets few B panels (narrow C) or the
				// panels are short; otherwise contiguous packed panels
				// stream better (measured: 3× faster for n = 5, k = 1024,
				// and up to 20% slower for 256×1024×256).
				directA := p.tA && p.alpha == 1 && (nb <= 4*nr || kb <= 32)
				// An untransposed A is read in place, row-major, by a
				// kernel that has a rowA tile; only its ragged last
				// panel is packed.
				rowA := !p.tA && p.alpha == 1 && kr.rowA != nil
				if !directA && !rowA {
					packA(buf.a, p.tA, p.a, p.lda, p.alpha, ic, mb, pc, kb, mr)
				} else if rem := mb % mr; rem != 0 && (directA || kr.rowShort[0] == nil) {
					packA(buf.a[(mb-rem)*kb:], p.tA, p.a, p.lda, 1, ic+mb-rem, rem, pc, kb, mr)
				}
				for jr := 0; jr < nb; jr += nr {
					bp, ldb := buf.b[jr*kb:jr*kb+nr*kb], nr
					cols := min(nr, nb-jr)
					if direct && (cols == nr || raggedDirect) {
						off := pc*p.ldb + jc + jr
						bp, ldb = p.b[off:off+(kb-1)*p.ldb+cols], p.ldb
					}
					for ir := 0; ir < mb; ir += mr {
						ap, lda := buf.a[ir*kb:ir*kb+mr*kb], mr
						rows := min(mr, mb-ir)
						if directA && rows == mr {
							off := pc*p.lda + ic + ir
							ap, lda = p.a[off:off+(kb-1)*p.lda+mr], p.lda
						}
						off := (ic+ir)*p.ldc + jc + jr
						if rowA && (rows == mr || kr.rowShort[0] != nil) {
							aoff := (ic+ir)*p.lda + pc
							kr.rowTile(kb, p.a[aoff:aoff+(rows-1)*p.lda+kb], p.lda, bp, ldb, p.c[off:], p.ldc, rows, cols, p.overwrite && pc == 0)
							continue
						}
						if kr.masked || rows == mr && cols == nr {
							kr.tile(kb, ap, lda, bp, ldb, p.c[off:], p.ldc, rows, cols, p.overwrite && pc == 0)
							continue
						}
						clear(tile)
						kr.micro(kb, ap, lda, bp, ldb, tile, nr, mr, nr, false)
						for r := 0; r < rows; r++ {
							dst := p.c[off+r*p.ldc : off+r*p.ldc+cols]
							for j, v := range tile[r*nr : r*nr+cols] {
								dst[j] += v
							}
						}
					}
				}
			}
		}
	}
}

// tile runs the micro-kernel on a tile of rows ≤ mr rows, or, for a tile
// of at most 3/4·mr rows and a kernel with short tiles, the fewest short
// tiles that cover it: on 8 rows, a 4-row tile for 3 or 4 rows, a 2-row one
// for 1 or 2, and both for 5 or 6. Each row's sums are the same whichever
// computes them.
func (kr *kernel) tile(k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc, rows, cols int, overwrite bool) {
	q := kr.mr / 4
	if kr.short[1] == nil || rows > 3*q {
		kr.micro(k, a, lda, b, ldb, c, ldc, rows, cols, overwrite)
		return
	}
	if rows > 2*q {
		kr.short[1](k, a, lda, b, ldb, c, ldc, 2*q, cols, overwrite)
		a, c, rows = a[2*q:], c[2*q*ldc:], rows-2*q
	}
	kr.short[b2i(rows > q)](k, a, lda, b, ldb, c, ldc, rows, cols, overwrite)
}

// rowTile runs the rowA tile on rows = mr rows of A read in place, and on
// fewer the rowShort tiles: one of 4 rows, then one of the rest.
func (kr *kernel) rowTile(k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc, rows, cols int, overwrite bool) {
	if rows == kr.mr {
		kr.rowA(k, a, lda, b, ldb, c, ldc, rows, cols, overwrite)
		return
	}
	if rows > 4 {
		kr.rowShort[3](k, a, lda, b, ldb, c, ldc, 4, cols, overwrite)
		a, c, rows = a[4*lda:], c[4*ldc:], rows-4
	}
	kr.rowShort[rows-1](k, a, lda, b, ldb, c, ldc, rows, cols, overwrite)
}

// b2i returns 0 for false and 1 for true.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
