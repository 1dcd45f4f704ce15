package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gogfn/gogfn/internal/jsonl"
	"github.com/gogfn/gogfn/internal/rotmnist"
	"github.com/gogfn/gogfn/nn"
)

// config is the experiment's settings, saved with every result.
type config struct {
	Teacher      []int   `json:"teacher"`
	Student      []int   `json:"student"`
	TeacherIters int     `json:"teacher_iters"`
	StudentIters int     `json:"student_iters"`
	Batch        int     `json:"batch"`
	LR           float64 `json:"lr"`
	Segment      int     `json:"segment"`
	Holdout      float64 `json:"holdout"`
	NoERM        bool    `json:"no_erm,omitempty"`
}

// record is one finished (seed, target) task.
type record struct {
	Config  config            `json:"config"`
	Seed    int               `json:"seed"`
	Target  int               `json:"target"`
	Results map[string]result `json:"results"` // by run: teacher, erm, kd
	Curves  map[string]*curve `json:"curves,omitempty"`
	Seconds float64           `json:"seconds"`
}

func main() {
	log.SetFlags(0)
	var (
		dataDir = flag.String("data", "", "directory with MNIST's IDX files (default: the GoMNIST module's data/)")
		out     = flag.String("out", "bench/results/wakd", "output directory")
		targets = flag.String("targets", "0,5", "target domains (indices into 0°,15°,…,75°)")
		seeds   = flag.String("seeds", "1,2,3", "seeds")
		cfg     = config{Batch: 64, LR: 1e-3, Segment: 100, Holdout: 0.2}
		teacher = flag.String("teacher", "784,1024,1024,10", "teacher layer widths")
		student = flag.String("student", "784,128,10", "student layer widths")
		tag     = flag.String("tag", "", "suffix of the table and figure names (table-TAG.md, accuracy-TAG.png)")
		cache   = flag.String("cache", filepath.Join(os.TempDir(), "gogfn-wakd"), "directory for trained teachers (reused by runs with the same teacher settings)")
	)
	flag.IntVar(&cfg.TeacherIters, "teacher-iters", 3000, "teacher Adam steps")
	flag.IntVar(&cfg.StudentIters, "student-iters", 20000, "student Adam steps")
	flag.IntVar(&cfg.Batch, "batch", cfg.Batch, "batch size")
	flag.Float64Var(&cfg.LR, "lr", cfg.LR, "Adam learning rate")
	flag.IntVar(&cfg.Segment, "segment", cfg.Segment, "SWAD segment length and SMA scoring period")
	flag.BoolVar(&cfg.NoERM, "no-erm", false, "train the KD student only (the ERM student's results are then absent)")
	flag.Parse()
	var err error
	if cfg.Teacher, err = ints(*teacher); err == nil {
		cfg.Student, err = ints(*student)
	}
	ts, err2 := ints(*targets)
	ss, err3 := ints(*seeds)
	if err = errors.Join(err, err2, err3); err != nil {
		log.Fatal(err)
	}
	for _, t := range ts {
		if t < 0 || t >= len(rotmnist.Angles) {
			log.Fatalf("target domain %d outside 0..%d", t, len(rotmnist.Angles)-1)
		}
	}

	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	runs := filepath.Join(*out, "runs.jsonl")
	done, err := readRecords(runs)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("%d earlier results in %s", len(done), runs)
	var all *rotmnist.Set // loaded when a task needs it
	for _, seed := range ss {
		var domains []rotmnist.Set
		for _, target := range ts {
			if find(done, cfg, seed, target) != nil {
				continue
			}
			if all == nil {
				dir, err := mnistDir(*dataDir)
				if err == nil {
					all, err = rotmnist.Load(dir)
				}
				if err != nil {
					log.Fatal(err)
				}
				log.Printf("MNIST: %d images from %s", all.Len(), dir)
			}
			if domains == nil {
				domains = rotmnist.Domains(all, rotmnist.Angles, rand.New(rand.NewPCG(uint64(seed), 0)))
			}
			rec := task(cfg, seed, target, domains, *cache)
			done = append(done, rec)
			if err := writeRecords(runs, done); err != nil {
				log.Fatal(err)
			}
		}
	}
	table := makeTable(done, cfg, ss, ts)
	fmt.Print(table)
	suffix := ""
	if *tag != "" {
		suffix = "-" + *tag
	}
	if err := nn.WriteFileAtomic(filepath.Join(*out, "table"+suffix+".md"), func(w io.Writer) error {
		_, err := io.WriteString(w, table)
		return err
	}); err != nil {
		log.Fatal(err)
	}
	if err := plotAccuracy(filepath.Join(*out, "accuracy"+suffix+".png"), done, cfg, ss, ts); err != nil {
		log.Fatal(err)
	}
}

// task trains the teacher and both students for one seed and target domain.
func task(cfg config, seed, target int, domains []rotmnist.Set, cache string) record {
	start := time.Now()
	var sp split
	var trains, vals []rotmnist.Set
	for d := range domains {
		if d == target {
			continue
		}
		in, out := rotmnist.Split(&domains[d], cfg.Holdout, rand.New(rand.NewPCG(uint64(seed), uint64(100+d))))
		trains, vals = append(trains, in), append(vals, out)
	}
	sp.train, sp.val, sp.test = rotmnist.Concat(trains...), rotmnist.Concat(vals...), domains[target]
	name := fmt.Sprintf("seed %d, target %v°:", seed, rotmnist.Angles[target])
	progress := func(s string) { log.Printf("%s %s (%.0fs)", name, s, time.Since(start).Seconds()) }
	rec := record{Config: cfg, Seed: seed, Target: target, Results: map[string]result{},
		Curves: map[string]*curve{"erm": {}, "kd": {}}}

	base := trainConfig{batch: cfg.Batch, lr: cfg.LR, segment: cfg.Segment}
	tc := base
	tc.name, tc.sizes, tc.iters = "teacher", cfg.Teacher, cfg.TeacherIters
	res, teacher := cachedTeacher(cache, cfg, seed, target, func() (result, *nn.MLP) {
		return train(tc, &sp, rand.New(rand.NewPCG(uint64(seed), 1)), progress)
	})
	rec.Results["teacher"] = res

	var ev evaluator
	zTrain := make([]float64, sp.train.Len()*classes)
	zVal := make([]float64, sp.val.Len()*classes)
	ev.logits(zTrain, teacher, &sp.train)
	ev.logits(zVal, teacher, &sp.val)

	sc := base
	sc.sizes, sc.iters, sc.t0 = cfg.Student, cfg.StudentIters, cfg.StudentIters/10
	if !cfg.NoERM {
		sc.name, sc.curve = "student ERM", rec.Curves["erm"]
		rec.Results["erm"], _ = train(sc, &sp, rand.New(rand.NewPCG(uint64(seed), 2)), progress)
	}
	sc.name, sc.teacher, sc.teacherVal, sc.curve = "student KD", zTrain, zVal, rec.Curves["kd"]
	rec.Results["kd"], _ = train(sc, &sp, rand.New(rand.NewPCG(uint64(seed), 2)), progress)
	rec.Seconds = time.Since(start).Seconds()
	progress(fmt.Sprintf("teacher %.4f, ERM %.4f, KD %.4f, KD+SWAD %.4f, KD+SMA %.4f, KD+WAKD %.4f",
		rec.Results["teacher"]["swad"], rec.Results["erm"]["last"], rec.Results["kd"]["last"],
		rec.Results["kd"]["swad"], rec.Results["kd"]["sma"], rec.Results["kd"]["wakd"]))
	return rec
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("bad integer list %q: %v", s, err)
		}
		out = append(out, v)
	}
	return out, nil
}

func readRecords(path string) ([]record, error) {
	recs, err := jsonl.Read[record](path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return recs, err
}

func writeRecords(path string, recs []record) error {
	return nn.WriteFileAtomic(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		for _, r := range recs {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	})
}

// find returns the record of a task run with cfg, or nil.
func find(recs []record, cfg config, seed, target int) *record {
	want, _ := json.Marshal(cfg)
	for i, r := range recs {
		got, _ := json.Marshal(r.Config)
		if r.Seed == seed && r.Target == target && string(got) == string(want) {
			return &recs[i]
		}
	}
	return nil
}

// cachedTeacher returns the teacher for a seed and target from the cache
// directory, or trains it with fit and stores it there. A cache that cannot
// be read or written is reported and bypassed.
func cachedTeacher(dir string, cfg config, seed, target int, fit func() (result, *nn.MLP)) (result, *nn.MLP) {
	key, _ := json.Marshal([]any{cfg.Teacher, cfg.TeacherIters, cfg.Batch, cfg.LR, cfg.Segment, cfg.Holdout, seed, target})
	h := fnv.New64a()
	h.Write(key)
	base := filepath.Join(dir, fmt.Sprintf("teacher-%016x", h.Sum64()))
	m := nn.NewMLP(cfg.Teacher, nn.ReLU, rand.New(rand.NewPCG(0, 0)))
	var res result
	if b, err := os.ReadFile(base + ".json"); err == nil && json.Unmarshal(b, &res) == nil {
		if err := nn.LoadParams(base+".gfnp", m.Params()); err == nil {
			log.Printf("teacher for seed %d, target %d from %s", seed, target, base+".gfnp")
			return res, m
		}
	}
	res, m = fit()
	b, _ := json.Marshal(res)
	err := os.MkdirAll(dir, 0o755)
	if err == nil {
		err = nn.SaveParams(base+".gfnp", m.Params())
	}
	if err == nil {
		err = nn.WriteFileAtomic(base+".json", func(w io.Writer) error { _, err := w.Write(b); return err })
	}
	if err != nil {
		log.Printf("teacher cache: %v", err)
	}
	return res, m
}
