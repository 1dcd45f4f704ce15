// Package scratch holds the one helper that every package's reusable
// buffers go through.
package scratch

// Resize returns s with length n, reusing its storage when its capacity is at
// least n; otherwise it allocates n plus a quarter, so that buffers that grow
// step by step settle after a few steps. The contents are undefined.
func Resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, n+n/4)
	}
	return s[:n]
}
