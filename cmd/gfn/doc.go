// Command gfn trains GFlowNets on the hypergrid and samples from them.
//
// Usage:
//
//	gfn train [flags]                  train a model (defaults: 8×8 grid, trajectory balance)
//	gfn sample -checkpoint F -n N      print N samples of a trained model, one state per line
//	gfn eval -checkpoint F             print how close a trained model is to the reward distribution
//	gfn compare -out F.png RUN_DIR...  overlay a metric of several runs and tabulate their final values
//
// gfn train writes into its -out directory (default runs/LOSS-DxH-TIME):
//
//	config.json     what is needed to rebuild the model (versioned JSON)
//	checkpoint      the model, optimizer and sampler state (the library's checkpoint)
//	metrics.jsonl   one JSON object per evaluation
//	l1.png          the exact L1 distance to the target against the iteration
//	distribution.png  for 2-D grids, the target and learned distributions as heat maps
//
// Run "gfn train -h" for the training flags.
package main
