package bench

import (
	"syscall"
	"time"
)

// threadCPU returns the CPU time the calling thread has used
// (getrusage(RUSAGE_THREAD)); lock the goroutine to its thread around the
// measured work.
func threadCPU() time.Duration { return rusage(1) } // RUSAGE_THREAD

// processCPU returns the CPU time every thread of the process has used
// (getrusage(RUSAGE_SELF)), so that the part of a product gemm hands to its
// worker pool counts too.
func processCPU() time.Duration { return rusage(syscall.RUSAGE_SELF) }

func rusage(who int) time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(who, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
