package main

import (
	"errors"
	"io"
)

func cmdRecon(args []string, stdout, stderr io.Writer) error { return errors.New("not written yet") }
