package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

const usage = `rvs runs the experiments of reparameterized volume sampling (Morozov et al., AISTATS 2024).

Usage:
  rvs study [flags]   the 1-D study of the paper's Fig. 2: estimator spread against samples per ray
  rvs recon [flags]   2-D reconstruction from rendered pixels: quadrature vs Monte Carlo vs hierarchical

Run "rvs study -h" or "rvs recon -h" for the flags.
`

// run runs the command line args and returns the exit status: 0 on success,
// 1 on an error, 2 on a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var cmd func([]string, io.Writer, io.Writer) error
	switch args[0] {
	case "study":
		cmd = cmdStudy
	case "recon":
		cmd = cmdRecon
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "rvs: unknown command %q (want study or recon)\n", args[0])
		return 2
	}
	err := cmd(args[1:], stdout, stderr)
	var ue usageError
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "rvs %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(stderr, "rvs %s: %v\n", args[0], err)
		return 1
	}
}

// usageError is a bad command line; run exits with status 2 on it.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// parse parses a subcommand's flags, printing their help on -h.
func parse(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return err
	}
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err != nil {
		return usageError{err}
	}
	return nil
}
