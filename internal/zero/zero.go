// Package zero holds the helper behind configuration structs whose zero
// fields mean documented defaults.
package zero

// Or returns def when v is the zero value, else v.
func Or[T comparable](v, def T) T {
	var z T
	if v == z {
		return def
	}
	return v
}
