package optim

// Optimizer updates parameters from their accumulated gradients. Step applies
// one update and zeroes the gradients of the parameters it updated.
type Optimizer interface {
	Step()
}
