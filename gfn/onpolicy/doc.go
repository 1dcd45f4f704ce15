// Package onpolicy trains a GFlowNet policy by minimising a gfn.Objective
// (package objective) on the trajectories the policy samples, the classical
// training of TB, DB, SubTB, FM and their kin:
//
//	for each iteration:
//	    sample Trajectories trajectories with the behaviour policy
//	        (1−ε)·softmax(logits/T) + ε·uniform, recording the forward passes
//	    loss = Objective(batch, scores from the recorded passes)
//	    back-propagate; clip the gradient norm; Adam step
//	        (log Z at ObjectiveLR; a learned P_B with its own Adam)
//
// Algorithm is a train.Algorithm and train.Checkpointer: a train.Trainer
// drives it, evaluates it and saves it. Its zero fields are the settings of
// the papers' hypergrid runs (16 trajectories, MLP 256×256, Adam at 1e-3,
// log Z at 0.1). Options: replaying past batches (ReplayBatches),
// recomputing the scores in one batched pass (Recompute), and splitting an
// iteration among goroutines with exactly the same loss and gradient
// (Workers).
package onpolicy
