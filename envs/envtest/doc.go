// Package envtest checks the properties every gfn.Env must have. Run Check on
// each new environment:
//
//	func TestMyEnv(t *testing.T) { envtest.Check(t, NewMyEnv()) }
package envtest
