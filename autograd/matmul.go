package autograd

import "github.com/gogfn/gogfn/autograd/gemm"

// MatMul returns a·b: [m×k]·[k×n] → [m×n].
// It panics if the inner dimensions differ.
func (t *Tape) MatMul(a, b *Node) *Node { return t.matMul(a, b, false, false) }

// MatMulT returns a·bᵀ: [m×k]·[n×k]ᵀ → [m×n].
// It panics if the column counts differ.
func (t *Tape) MatMulT(a, b *Node) *Node { return t.matMul(a, b, false, true) }

// TMatMul returns aᵀ·b: [k×m]ᵀ·[k×n] → [m×n].
// It panics if the row counts differ.
func (t *Tape) TMatMul(a, b *Node) *Node { return t.matMul(a, b, true, false) }

func (t *Tape) matMul(a, b *Node, tA, tB bool) *Node {
	t.check(a, b)
	ar, ac := a.Dims()
	br, bc := b.Dims()
	m, k := ar, ac
	if tA {
		m, k = ac, ar
	}
	k2, n := br, bc
	if tB {
		k2, n = bc, br
	}
	if k != k2 {
		panic(shapeErr("matrix product of %d×%d and %d×%d (transposed: %v, %v)", ar, ac, br, bc, tA, tB))
	}
	out := t.node(m, n, a, b)
	gemm.Dgemm(tA, tB, m, n, k, 1, data(a.Value), ac, data(b.Value), bc, 0, data(out.Value), n)
	out.ints = append(out.ints[:0], boolInt(tA), boolInt(tB))
	out.back = matMulBack
	return out
}

// matMulBack: for C = op(A)·op(B), ∂A += op⁻¹(∂C·op(B)ᵀ) and ∂B += op⁻¹(op(A)ᵀ·∂C).
func matMulBack(out *Node) {
	a, b := out.a, out.b
	tA, tB := out.ints[0] == 1, out.ints[1] == 1
	m, n := out.Dims()
	ar, ac := a.Dims()
	_, bc := b.Dims()
	k := ac
	if tA {
		k = ar
	}
	g := data(out.Grad)
	if a.Grad != nil {
		if !tA { // ∂A[m×k] += ∂C·op(B)ᵀ
			gemm.Dgemm(false, !tB, m, k, n, 1, g, n, data(b.Value), bc, 1, data(a.Grad), ac)
		} else { // ∂A[k×m] += op(B)·∂Cᵀ
			gemm.Dgemm(tB, true, k, m, n, 1, data(b.Value), bc, g, n, 1, data(a.Grad), ac)
		}
	}
	if b.Grad != nil {
		if !tB { // ∂B[k×n] += op(A)ᵀ·∂C
			gemm.Dgemm(!tA, false, k, n, m, 1, data(a.Value), ac, g, n, 1, data(b.Grad), bc)
		} else { // ∂B[n×k] += ∂Cᵀ·op(A)
			gemm.Dgemm(true, tA, n, k, m, 1, g, n, data(a.Value), ac, 1, data(b.Grad), bc)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
