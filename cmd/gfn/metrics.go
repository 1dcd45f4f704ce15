package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
)

// record is one line of metrics.jsonl: the state of a run at an evaluation.
type record struct {
	Iter         int      `json:"iter"`
	Trajectories int      `json:"trajectories"`
	Seconds      float64  `json:"seconds"`       // wall time since the run started, evaluations included
	ItersPerSec  float64  `json:"iters_per_sec"` // training speed since the previous record, evaluations excluded
	Loss         *float64 `json:"loss"`          // mean training loss since the previous record; null before any
	L1           float64  `json:"l1"`            // Σ_x |p(x) − p*(x)|, exact
	L1Mean       float64  `json:"l1_mean"`       // the same divided by the number of states
	KL           float64  `json:"kl"`            // KL(p* ‖ p), exact
	JSD          float64  `json:"jsd"`
	LogZ         *float64 `json:"logz"` // learned log Z, null when the model has none
	TrueLogZ     float64  `json:"true_logz"`
	EmpL1Mean    *float64 `json:"emp_l1_mean,omitempty"` // papers' empirical mean L1 over recent samples
	EmpKL        *float64 `json:"emp_kl,omitempty"`
	Modes        *int     `json:"modes,omitempty"` // states at maximal reward visited so far
	NumModes     *int     `json:"num_modes,omitempty"`
	BackwardLoss *float64 `json:"backward_loss,omitempty"` // TLM's loss, −Σ log P_B, mean since the previous record
	BackwardGap  *float64 `json:"backward_gap,omitempty"`  // mean |log P_B − log P_B uniform| over the batches, same
}

// newRecord returns the record of an evaluation.
func newRecord(iter, traj int, seconds, itPerSec, loss float64, e *evaluation) record {
	r := record{
		Iter: iter, Trajectories: traj, Seconds: seconds, ItersPerSec: itPerSec, Loss: finitePtr(loss),
		L1: e.L1, L1Mean: e.L1Mean, KL: e.KL, JSD: e.JSD, TrueLogZ: e.TrueLogZ,
		LogZ: finitePtr(e.LogZ), EmpL1Mean: finitePtr(e.EmpL1Mean), EmpKL: finitePtr(e.EmpKL),
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

// clean replaces non-finite values, which JSON cannot hold, by −1 so that a
// diverged run still writes its record.
func (r *record) clean() {
	for _, p := range []*float64{&r.L1, &r.L1Mean, &r.KL, &r.JSD, &r.TrueLogZ, &r.ItersPerSec} {
		if math.IsNaN(*p) || math.IsInf(*p, 0) {
			*p = -1
		}
	}
}

// readMetrics reads every record of a metrics.jsonl file.
func readMetrics(path string) ([]record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rs []record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return rs, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		rs = append(rs, r)
	}
	return rs, sc.Err()
}
