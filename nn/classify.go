package nn

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/gogfn/gogfn/autograd"
)

// CrossEntropy returns the softmax cross-entropy of logits [B×K] against
// integer labels in [0, K), averaged over the batch:
//
//	L = (1/B) Σ_b (log Σ_k exp z_bk − z_{b,y_b}),
//
// PyTorch's nn.CrossEntropyLoss with its default mean reduction. It is one
// fused, numerically stable operation (the row maximum is subtracted before
// exponentiating) whose gradient is (softmax(z) − onehot(y))/B. It allocates
// nothing once the tape's arena has grown.
//
// It panics if len(labels) is not the number of rows or a label is outside
// [0, K).
func CrossEntropy(t *autograd.Tape, logits *autograd.Node, labels []int) *autograd.Node {
	b, k := logits.Dims()
	if len(labels) != b {
		panic(fmt.Sprintf("nn: CrossEntropy of %d rows with %d labels", b, len(labels)))
	}
	for i, y := range labels {
		if y < 0 || y >= k {
			panic(fmt.Sprintf("nn: CrossEntropy label %d of row %d outside [0, %d)", y, i, k))
		}
	}
	out := t.Custom(1, 1, crossEntropyBack, logits)
	p := out.Floats(b * k) // softmax(z), for the backward pass
	copy(out.Ints(b), labels)
	z := rawData(logits.Value)
	var sum float64
	for i, y := range labels {
		lse := logSoftmaxRow(p[i*k:(i+1)*k], z[i*k:(i+1)*k], 1)
		sum += lse - z[i*k+y]
		expRow(p[i*k : (i+1)*k])
	}
	out.Value.Set(0, 0, sum/float64(b))
	return out
}

// crossEntropyBack adds g·(softmax(z) − onehot(y))/B into the logits' Grad.
func crossEntropyBack(out *autograd.Node, args []*autograd.Node) {
	logits := args[0]
	if logits.Grad == nil {
		return
	}
	b, k := logits.Dims()
	p, labels := out.Floats(b*k), out.Ints(b)
	g := out.Grad.At(0, 0) / float64(b)
	dz := rawData(logits.Grad)
	for i, y := range labels {
		row := dz[i*k : (i+1)*k]
		for j, pj := range p[i*k : (i+1)*k] {
			row[j] += g * pj
		}
		row[y] -= g
	}
}

// Distillation is the knowledge-distillation loss of Hinton, Vinyals and
// Dean ("Distilling the Knowledge in a Neural Network", 2015, arXiv
// 1503.02531) as the WAKD paper uses it, with no label term:
//
//	L = T² · (1/B) Σ_b KL(softmax(z^t_b/T) ‖ softmax(z^s_b/T)),
//
// for student logits z^s and teacher logits z^t [B×K]: PyTorch's
// T²·KLDivLoss(log_softmax(z^s/T), softmax(z^t/T), reduction="batchmean").
// The T² factor keeps the gradient's scale independent of T. The zero value
// uses T = 5.
type Distillation struct {
	T float64 // temperature; 0 means 5
}

// Loss returns the distillation loss of student logits against teacher
// logits, both [B×K], as one fused, numerically stable operation. The teacher
// is frozen: no gradient flows into its logits, even if they have one, so
// they may come straight from the teacher's own forward pass. The gradient
// with respect to the student's logits is (T/B)·(softmax(z^s/T) −
// softmax(z^t/T)). A teacher probability that underflows to 0 (a −Inf
// logit) adds nothing. It allocates nothing once the tape's arena has grown.
//
// It panics if the shapes differ or T is negative.
func (d Distillation) Loss(t *autograd.Tape, student, teacher *autograd.Node) *autograd.Node {
	temp := d.T
	if temp == 0 {
		temp = 5
	}
	if !(temp > 0) {
		panic(fmt.Sprintf("nn: Distillation with temperature %v", d.T))
	}
	b, k := student.Dims()
	if tb, tk := teacher.Dims(); tb != b || tk != k {
		panic(fmt.Sprintf("nn: Distillation of %d×%d student logits against %d×%d teacher logits", b, k, tb, tk))
	}
	out := t.Custom(1, 1, distillBack, student, teacher)
	buf := out.Floats(2*b*k + 1)
	buf[0] = temp
	ps, pt := buf[1:1+b*k], buf[1+b*k:]
	zs, zt := rawData(student.Value), rawData(teacher.Value)
	var sum float64
	for i := 0; i < b; i++ {
		ls, lt := ps[i*k:(i+1)*k], pt[i*k:(i+1)*k]
		logSoftmaxRow(ls, zs[i*k:(i+1)*k], 1/temp)
		logSoftmaxRow(lt, zt[i*k:(i+1)*k], 1/temp)
		for j, l := range lt {
			if p := math.Exp(l); p > 0 {
				sum += p * (l - ls[j])
			}
		}
		expRow(ls)
		expRow(lt)
	}
	out.Value.Set(0, 0, temp*temp*sum/float64(b))
	return out
}

// distillBack adds g·(T/B)·(p_s − p_t) into the student logits' Grad, and
// nothing into the teacher's.
func distillBack(out *autograd.Node, args []*autograd.Node) {
	student := args[0]
	if student.Grad == nil {
		return
	}
	b, k := student.Dims()
	buf := out.Floats(2*b*k + 1)
	ps, pt := buf[1:1+b*k], buf[1+b*k:]
	g := out.Grad.At(0, 0) * buf[0] / float64(b)
	dz := rawData(student.Grad)
	for j := range dz {
		dz[j] += g * (ps[j] - pt[j])
	}
}

// logSoftmaxRow sets dst to log softmax(s·z) and returns log Σ exp(s·z).
func logSoftmaxRow(dst, z []float64, s float64) float64 {
	m := math.Inf(-1)
	for _, v := range z {
		m = max(m, v*s)
	}
	if math.IsInf(m, -1) {
		m = 0
	}
	var sum float64
	for _, v := range z {
		sum += math.Exp(v*s - m)
	}
	lse := m + math.Log(sum)
	for j, v := range z {
		dst[j] = v*s - lse
	}
	return lse
}

// expRow replaces every element of x by its exponential.
func expRow(x []float64) {
	for j, v := range x {
		x[j] = math.Exp(v)
	}
}

// Accuracy returns the fraction of rows of logits [B×K] whose largest element
// (the first, on ties) is at the row's label.
//
// It panics if len(labels) is not the number of rows.
func Accuracy(logits mat.Matrix, labels []int) float64 {
	b, k := logits.Dims()
	if len(labels) != b {
		panic(fmt.Sprintf("nn: Accuracy of %d rows with %d labels", b, len(labels)))
	}
	if b == 0 {
		return 0
	}
	right := 0
	for i, y := range labels {
		best := 0
		for j := 1; j < k; j++ {
			if logits.At(i, j) > logits.At(i, best) {
				best = j
			}
		}
		if best == y {
			right++
		}
	}
	return float64(right) / float64(b)
}

// rawData returns the contiguous elements of a node's value or gradient.
func rawData(m *mat.Dense) []float64 {
	g := m.RawMatrix()
	return g.Data[:g.Rows*g.Cols]
}
