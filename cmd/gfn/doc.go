// Command gfn trains GFlowNets on the hypergrid and samples from them.
//
// Usage:
//
//	gfn train [flags]                  train a model (defaults: 8×8 grid, trajectory balance)
//	gfn sample -checkpoint F -n N      print N samples of a trained model, one state per line
//	gfn eval -checkpoint F             print how close a trained model is to the reward distribution
//	gfn compare -out F.png RUN_DIR...  overlay a metric of several runs and tabulate their final values
//	gfn serve -model F [-addr A]       serve samples of a trained model over HTTP
//
// gfn train writes into its -out directory (default runs/LOSS-DxH-TIME):
//
//	config.json     what is needed to rebuild the model (versioned JSON)
//	checkpoint      the model, optimizer and sampler state (the library's checkpoint)
//	model.gfn       the trained model alone (package gfn/model), for sample, eval and serve
//	metrics.jsonl   one JSON object per evaluation
//	l1.png          the exact L1 distance to the target against the iteration
//	distribution.png  for 2-D grids, the target and learned distributions as heat maps
//
// gfn sample, eval and serve read a model file, a checkpoint, or a run
// directory. gfn serve answers GET /sample?n=N[&seed=S] (JSON: each object
// in the environment's readable form, its log-reward, log P_F of its
// trajectory and the model's estimate of its log-probability), GET /healthz
// and GET /model (the model's environment, architecture and provenance),
// with 400 and a JSON message for a malformed request, a structured access
// log on stderr, and a graceful shutdown on SIGINT or SIGTERM.
//
// Run "gfn train -h" for the training flags.
package main
