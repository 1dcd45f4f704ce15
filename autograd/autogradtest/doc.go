// Package autogradtest checks the gradients of autograd computations against
// central finite differences, so that users can test their own compositions,
// layers and losses with the harness the autograd package uses on itself.
//
// A check builds a scalar loss from persistent parameters (autograd.NewParam)
// on a tape it is given:
//
//	func TestMyLayer(t *testing.T) {
//		w := autograd.NewParam(mat.NewDense(3, 2, []float64{...}))
//		autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
//			return tp.Mean(myLayer(tp, w))
//		}, w)
//	}
//
// Check perturbs every element of every parameter by a step scaled to its
// value, h = ∛ε·max(1, |x|), and compares (f(x+h) − f(x−h)) / 2h with the
// gradient from Backward. The error of an element is |a − n| / max(1, |a|, |n|):
// relative above 1, absolute below; Check fails when the largest exceeds Tol.
//
// Finite differences are meaningless across a kink (ReLU, Abs and Clip at
// their corners) and at infinite values: check such functions away from those
// points and test the points themselves against known values.
package autogradtest
