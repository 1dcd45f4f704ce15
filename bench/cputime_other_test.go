//go:build !linux

package bench

import "time"

// threadCPU returns 0: the thread's CPU time is measured on Linux only.
func threadCPU() time.Duration { return 0 }

// processCPU returns 0: the process's CPU time is measured on Linux only.
func processCPU() time.Duration { return 0 }
