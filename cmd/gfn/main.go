package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

const usage = `gfn trains GFlowNets on the hypergrid and samples from them.

Usage:
  gfn train [flags]                 train a model (gfn train -h for the flags)
  gfn sample -checkpoint F -n N     print N samples of a trained model, one state per line
  gfn eval -checkpoint F            print how close a trained model is to the reward distribution
  gfn compare -out F.png RUN_DIR... overlay a metric of several runs (gfn compare -h for the flags)
  gfn serve -model F [-addr A]      serve samples of a trained model over HTTP (gfn serve -h for the flags)
`

// run runs the command line args and returns the exit status: 0 on
// success, 1 on an error, 2 on a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var cmd func([]string, io.Writer, io.Writer) error
	switch args[0] {
	case "train":
		cmd = cmdTrain
	case "sample":
		cmd = cmdSample
	case "eval":
		cmd = cmdEval
	case "compare":
		cmd = cmdCompare
	case "serve":
		cmd = cmdServe
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "gfn: unknown command %q (want train, sample, eval, compare or serve)\n", args[0])
		return 2
	}
	err := cmd(args[1:], stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		printFlags(stdout, args[0])
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintf(stderr, "gfn %s: %v (see gfn %s -h)\n", args[0], err, args[0])
		return 2
	default:
		fmt.Fprintf(stderr, "gfn %s: %v\n", args[0], err)
		return 1
	}
}

// usageError is a bad command line: an unknown flag, a bad flag value or a
// missing argument. run exits with status 2 on it.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// badUsage wraps a non-nil err as a usageError.
func badUsage(err error) error {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usageError{err}
}

// printFlags prints the flags of a command.
func printFlags(w io.Writer, name string) {
	var fs *flag.FlagSet
	switch name {
	case "train":
		fs = newTrainFlagSet(&trainFlags{})
	case "sample":
		fs, _ = newSampleFlagSet()
	case "compare":
		fs, _ = newCompareFlagSet()
	case "serve":
		fs, _ = newServeFlagSet()
	default:
		fs, _ = newEvalFlagSet()
	}
	args := ""
	if name == "compare" {
		args = " [NAME=]RUN_DIR..."
	}
	fmt.Fprintf(w, "Usage: gfn %s [flags]%s\n\nFlags:\n", name, args)
	fs.SetOutput(w)
	fs.PrintDefaults()
}
