module github.com/gogfn/gogfn

go 1.26.8

require (
	golang.org/x/exp v0.0.0-20261113113407-e3970619a1a4 // indirect
	gonum.org/v1/gonum v0.17.0 // indirect
)
