package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/internal/rotmnist"
	"github.com/gogfn/gogfn/nn"
	"github.com/gogfn/gogfn/optim"
)

const classes = 10

// split is one leave-one-domain-out task: training and validation images
// from the five source domains, and every image of the target domain.
type split struct {
	train, val, test rotmnist.Set
}

// evaluator runs a network over a whole set in chunks.
type evaluator struct {
	tp autograd.Tape
}

const chunk = 512

// logits writes the network's logits for every image of s into dst
// [N×10].
func (e *evaluator) logits(dst []float64, m *nn.MLP, s *rotmnist.Set) {
	idx := make([]int, chunk)
	labels := make([]int, chunk)
	for from := 0; from < s.Len(); from += chunk {
		n := min(chunk, s.Len()-from)
		for i := range n {
			idx[i] = from + i
		}
		e.tp.Reset()
		x := e.tp.Input(n, rotmnist.Pixels)
		s.Batch(x.Value.RawMatrix().Data, labels, idx[:n])
		z := m.Forward(&e.tp, x)
		copy(dst[from*classes:(from+n)*classes], z.Value.RawMatrix().Data)
	}
}

// score returns the accuracy of logits z [N×10] on s, the mean
// cross-entropy, and the mean distillation loss against teacher logits zt
// when zt is not nil.
func (e *evaluator) score(z []float64, s *rotmnist.Set, zt []float64) (acc, ce, kd float64) {
	acc = nn.Accuracy(mat.NewDense(s.Len(), classes, z), s.Labels)
	for from := 0; from < s.Len(); from += chunk {
		n := min(chunk, s.Len()-from)
		e.tp.Reset()
		zs := e.tp.Input(n, classes)
		copy(zs.Value.RawMatrix().Data, z[from*classes:(from+n)*classes])
		ce += float64(n) * nn.CrossEntropy(&e.tp, zs, s.Labels[from:from+n]).Scalar()
		if zt != nil {
			t := e.tp.Input(n, classes)
			copy(t.Value.RawMatrix().Data, zt[from*classes:(from+n)*classes])
			kd += float64(n) * nn.Distillation{T: temperature}.Loss(&e.tp, zs, t).Scalar()
		}
	}
	n := float64(s.Len())
	return acc, ce / n, kd / n
}

// temperature is the distillation temperature of the paper's configs.
const temperature = 5

// trainConfig describes one training run.
type trainConfig struct {
	name    string
	sizes   []int   // layer widths, 784 first and 10 last
	iters   int     // Adam steps
	batch   int     // images per step
	lr      float64 // Adam learning rate
	teacher []float64
	// teacher logits on the training and validation images for pure
	// distillation; nil trains on the labels (ERM)
	teacherVal []float64
	t0         int // first averaged step of SMA and WAKD; 0: no SMA/WAKD
	segment    int // SWAD segment and SMA scoring period
	curve      *curve
}

// curve is a run's learning curve, one point per SWAD segment: the mean
// training loss over the segment's steps, and the validation accuracy and
// loss (the training objective) of the iterate at its end.
type curve struct {
	TrainLoss []float64 `json:"train_loss"`
	ValAcc    []float64 `json:"val_acc"`
	ValLoss   []float64 `json:"val_loss"`
}

// result holds the test accuracy of each model a run produces.
type result map[string]float64

// train runs one configuration on sp and returns the test accuracy of the
// last iterate ("last"), of the iterate with the best validation accuracy
// at a segment end ("val"), of the SWAD model ("swad") and, when t0 > 0, of
// the SMA snapshot ("sma") and of the WAKD average ("wakd"). The network
// with the SWAD weights (or the last iterate if SWAD never started) is
// returned for use as a teacher.
func train(cfg trainConfig, sp *split, rng *rand.Rand, progress func(string)) (result, *nn.MLP) {
	m := nn.NewMLP(cfg.sizes, nn.ReLU, rng)
	ps := m.Params()
	nn.InitTorch(rng, m.Layers...) // PyTorch's nn.Linear initialisation
	opt := &optim.Adam{Params: ps, LR: cfg.lr}
	var ev evaluator
	var segLoss float64 // training loss summed over the current segment
	valZ := make([]float64, sp.val.Len()*classes)
	best, bestAcc := m.Clone(), -1.0
	// One validation pass per segment end serves SWAD (its loss: the
	// training objective on the validation images, as in the official
	// code) and the selection of the best iterate.
	swad := &optim.SWAD{Params: ps, Segment: cfg.segment, Loss: func() float64 {
		ev.logits(valZ, m, &sp.val)
		acc, ce, kd := ev.score(valZ, &sp.val, cfg.teacherVal)
		if acc > bestAcc {
			bestAcc = acc
			nn.CopyParams(best, m)
		}
		if cfg.teacher != nil {
			ce = kd
		}
		if cfg.curve != nil {
			cfg.curve.TrainLoss = append(cfg.curve.TrainLoss, segLoss/float64(cfg.segment))
			cfg.curve.ValAcc = append(cfg.curve.ValAcc, acc)
			cfg.curve.ValLoss = append(cfg.curve.ValLoss, ce)
		}
		segLoss = 0
		return ce
	}}
	avgs := []optim.Averager{swad}
	var sma *optim.SMA
	if cfg.t0 > 0 {
		sma = &optim.SMA{Params: ps, Start: cfg.t0, Every: cfg.segment, Score: func() float64 {
			ev.logits(valZ, m, &sp.val)
			acc, _, _ := ev.score(valZ, &sp.val, nil)
			return acc
		}}
		avgs = append(avgs, sma) // sma.Running() is the WAKD average from the same t₀
	}

	var tp autograd.Tape
	idx := make([]int, cfg.batch)
	labels := make([]int, cfg.batch)
	start, last := time.Now(), time.Now()
	var lossSum, recent float64
	recentN := 0
	for it := 1; it <= cfg.iters; it++ {
		for i := range idx {
			idx[i] = rng.IntN(sp.train.Len())
		}
		tp.Reset()
		x := tp.Input(cfg.batch, rotmnist.Pixels)
		sp.train.Batch(x.Value.RawMatrix().Data, labels, idx)
		z := m.Forward(&tp, x)
		var loss *autograd.Node
		if cfg.teacher != nil {
			zt := tp.Input(cfg.batch, classes)
			d := zt.Value.RawMatrix().Data
			for r, i := range idx {
				copy(d[r*classes:(r+1)*classes], cfg.teacher[i*classes:(i+1)*classes])
			}
			loss = nn.Distillation{T: temperature}.Loss(&tp, z, zt)
		} else {
			loss = nn.CrossEntropy(&tp, z, labels)
		}
		lossSum += loss.Scalar()
		segLoss += loss.Scalar()
		recent += loss.Scalar()
		recentN++
		tp.Backward(loss)
		opt.Step()
		for _, a := range avgs {
			a.Update()
		}
		if time.Since(last) > 20*time.Second || it == cfg.iters {
			first, lastSeg := swad.Valley()
			progress(fmt.Sprintf("%s %d/%d, train loss %.4f (mean since the last report), %.0f it/s, SWAD segments %d..%d done=%t",
				cfg.name, it, cfg.iters, recent/float64(recentN), float64(it)/time.Since(start).Seconds(), first, lastSeg, swad.Done()))
			last, recent, recentN = time.Now(), 0, 0
		}
	}

	res := result{}
	testZ := make([]float64, sp.test.Len()*classes)
	acc := func(net *nn.MLP) float64 {
		ev.logits(testZ, net, &sp.test)
		a, _, _ := ev.score(testZ, &sp.test, nil)
		return a
	}
	res["last"] = acc(m)
	res["val"] = acc(best)
	out := m.Clone()
	if swad.Count() > 0 {
		swad.CopyTo(out.Params())
		res["swad"] = acc(out)
		first, lastSeg := swad.Valley()
		res["swad_first"], res["swad_last"] = float64(first), float64(lastSeg)
	} else {
		fmt.Fprintf(os.Stderr, "%s: SWAD never started; its model is the last iterate\n", cfg.name)
		res["swad"] = res["last"]
	}
	if sma != nil {
		tmp := m.Clone()
		sma.CopyTo(tmp.Params())
		res["sma"] = acc(tmp)
		_, at := sma.Best()
		res["sma_at"] = float64(at)
		sma.Running().CopyTo(tmp.Params())
		res["wakd"] = acc(tmp)
	}
	if math.IsNaN(lossSum) {
		fmt.Fprintf(os.Stderr, "%s: the training loss became NaN\n", cfg.name)
	}
	return res, out
}
