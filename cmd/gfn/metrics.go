package main

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/gogfn/gogfn/internal/jsonl"
)

// record is one line of metrics.jsonl: the state of a run at an evaluation.
type record struct {
	Iter         int      `json:"iter"`
	Trajectories int      `json:"trajectories"`
	Seconds      float64  `json:"seconds"`       // wall time since the run started, evaluations included
	ItersPerSec  metric   `json:"iters_per_sec"` // training speed since the previous record, evaluations excluded
	Loss         *float64 `json:"loss"`          // mean training loss since the previous record; null before any
	L1           metric   `json:"l1"`            // Σ_x |p(x) − p*(x)|, exact
	L1Mean       metric   `json:"l1_mean"`       // the same divided by the number of states
	KL           metric   `json:"kl"`            // KL(p* ‖ p), exact
	JSD          metric   `json:"jsd"`
	LogZ         *float64 `json:"logz"` // learned log Z, null when the model has none
	TrueLogZ     metric   `json:"true_logz"`
	EmpL1Mean    *float64 `json:"emp_l1_mean,omitempty"` // papers' empirical mean L1 over recent samples
	EmpKL        *float64 `json:"emp_kl,omitempty"`
	Modes        *int     `json:"modes,omitempty"` // states at maximal reward visited so far
	NumModes     *int     `json:"num_modes,omitempty"`
	MeanLogR     *float64 `json:"mean_logr,omitempty"`     // mean log-reward of the recent training samples
	TopLogR      *float64 `json:"top_logr,omitempty"`      // mean of their 100 best
	Spearman     *float64 `json:"spearman,omitempty"`      // test-set ρ(log R, estimated log P), uniform P_B
	SpearmanPB   *float64 `json:"spearman_pb,omitempty"`   // the same with the learned P_B
	BackwardLoss *float64 `json:"backward_loss,omitempty"` // TLM's loss, −Σ log P_B, mean since the previous record
	BackwardGap  *float64 `json:"backward_gap,omitempty"`  // mean |log P_B − log P_B uniform| over the batches, same
	AvgL1        *float64 `json:"avg_l1,omitempty"`        // exact L1 of the averaged model (-average)
	AvgLogZ      *float64 `json:"avg_logz,omitempty"`      // its log Z
}

// newRecord returns the record of an evaluation.
func newRecord(iter, traj int, seconds, itPerSec, loss float64, e *evaluation) record {
	r := record{
		Iter: iter, Trajectories: traj, Seconds: seconds, ItersPerSec: metric(itPerSec), Loss: finitePtr(loss),
		L1: metric(e.L1), L1Mean: metric(e.L1Mean), KL: metric(e.KL), JSD: metric(e.JSD), TrueLogZ: metric(e.TrueLogZ),
		LogZ: finitePtr(e.LogZ), EmpL1Mean: finitePtr(e.EmpL1Mean), EmpKL: finitePtr(e.EmpKL),
		MeanLogR: finitePtr(e.MeanLogR), TopLogR: finitePtr(e.TopLogR),
		AvgL1: finitePtr(e.AvgL1), AvgLogZ: finitePtr(e.AvgLogZ),
	}
	if e.Modes >= 0 {
		m, n := e.Modes, e.NumModes
		r.Modes, r.NumModes = &m, &n
	}
	return r
}

// finitePtr returns &x, or nil when x is NaN or infinite (JSON has no NaN).
func finitePtr(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// metric is a metric value that may be infinite (a KL against a sampler
// that never reaches an object of positive reward) or NaN (a diverged
// model). JSON has neither: a metric is written as a number, as the string
// "inf" or "-inf", or as null for NaN, and printed as inf, -inf or nan, so
// that no report shows a made-up number.
type metric float64

// MarshalJSON writes m as a number, "inf", "-inf" or null.
func (m metric) MarshalJSON() ([]byte, error) {
	switch v := float64(m); {
	case math.IsNaN(v):
		return []byte("null"), nil
	case math.IsInf(v, 1):
		return []byte(`"inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-inf"`), nil
	}
	return json.Marshal(float64(m))
}

// UnmarshalJSON reads what MarshalJSON writes.
func (m *metric) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "null":
		*m = metric(math.NaN())
		return nil
	case `"inf"`:
		*m = metric(math.Inf(1))
		return nil
	case `"-inf"`:
		*m = metric(math.Inf(-1))
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("a metric must be a number, \"inf\", \"-inf\" or null: %v", err)
	}
	*m = metric(v)
	return nil
}

// Format prints m with the verb's width and precision, or inf, -inf or nan.
func (m metric) Format(f fmt.State, verb rune) {
	v := float64(m)
	var s string
	switch {
	case math.IsNaN(v):
		s = "nan"
	case math.IsInf(v, 1):
		s = "inf"
	case math.IsInf(v, -1):
		s = "-inf"
	default:
		fmt.Fprintf(f, fmt.FormatString(f, verb), v)
		return
	}
	w, ok := f.Width()
	for ok && len(s) < w && !f.Flag('-') {
		s = " " + s
	}
	fmt.Fprint(f, s)
	for ok && len(s) < w && f.Flag('-') {
		s += " "
		fmt.Fprint(f, " ")
	}
}

// readMetrics reads every record of a metrics.jsonl file.
func readMetrics(path string) ([]record, error) { return jsonl.Read[record](path) }
