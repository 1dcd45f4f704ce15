// Package mcts plans and trains GFlowNets with Monte Carlo tree search:
// maximum-entropy tree search (MENTS, Xiao, Huang, Mei, Müller, "Maximum
// Entropy Monte-Carlo Planning", NeurIPS 2019) over the soft Q-values of a
// GFlowNet, as Morozov, Tiapkin, Samsonov, Naumov and Vetrov propose in
// "Improving GFlowNets with Monte Carlo Tree Search" (2024, arXiv
// 2406.13655). Their code covers the hypergrid only; here the search runs
// on any environment: with or without exit action, a tree or a Reversible
// DAG, with any backward policy.
//
// # Why a tree search applies
//
// Fix a backward policy P_B. A GFlowNet is then the optimal policy of a
// deterministic, undiscounted MDP with entropy coefficient 1 whose reward
// is log P_B(s|s′) on every edge s → s′ and log R(x) on the exit edge
// x → s_f (Tiapkin et al., AISTATS 2024; see package softrl). Its soft
// Q-values are the log edge flows, Q*(s, a) = log F(s) + log P_F(s′|s), they
// satisfy the soft Bellman equation Q*(s, a) = log P_B(s|s′) + log Σ_{a′}
// exp Q*(s′, a′), and P_F(·|s) = softmax Q*(s,·). The rewards are known, so a
// search tree can refine an estimate Q of Q* by looking ahead, which is what
// MENTS does for soft values.
//
// # The search (Planner)
//
// Each trajectory being built has its own tree, rooted at its current state.
// A node s holds Q̂(s,·), set to Q(s,·) when s enters the tree (Q is the
// target network in training, the model at inference), the reward r(s) =
// log P_B(parent|s) of the edge into it, and its size N(s), the number of
// nodes of its subtree. A terminal node (the exit edge, or a state without
// valid action in an environment without exit) holds only a value. At every
// step of the rollout, Rollouts expansion rounds run; in each, every tree of
// at most Rollouts nodes (the nodes kept from the previous step count)
// grows by one node:
//
//  1. Selection by the E2W tree policy: from the root, draw
//     a ~ (1−λ_s)·softmax(Q̂(s,·)) + λ_s·uniform over the valid actions, with
//     λ_s = min(1, ε·|A|/ln(N(s)+1)) and |A| = Spec.NumActions, and follow
//     the child until an action without one. A walk that reaches an existing
//     terminal node creates nothing.
//  2. Expansion: create that child; every node on the path grows by one.
//     All new non-terminal nodes of the round, over all trees, are evaluated
//     by Q in one network pass.
//  3. Soft backup: from the new node to the root, each parent takes
//     Q̂(parent, a) = r(child) + log Σ_{a′ valid} exp Q̂(child, a′), or the value
//     of a terminal child.
//
// The real action is then drawn from softmax(Q̂(root,·)), and the root moves
// to the chosen child with its subtree; the rest of the tree is freed.
//
// A new terminal node takes, as in the paper's code, the current value of
// its edge at the parent, Q̂(s, exit): the search then never sees a reward,
// only the network's estimate of it, and the refinement comes from the
// network's values deeper in the tree. With TrueReward the node takes log R(x)
// (plus log P_B(s|x) without exit action) instead: the search then corrects
// the network wherever it reaches a terminal, and with enough rollouts to
// expand a whole (small) tree it computes the exact values Q* whatever the
// network says. The reward is known at inference; the paper uses it only
// in the training loss.
//
// With the exact Q*, every backup leaves Q̂ = Q*, so the planner samples
// exactly from R/Z for any number of rollouts; with none it is the
// Boltzmann policy of Q.
//
// # Training (Algorithm)
//
// Algorithm trains a Soft DQN Q-network on complete on-policy trajectories
// (no replay buffer), with a target network copied every 3 iterations, in
// the paper's four modes: Off ("no_mcts", the TD loss, actions from
// softmax Q_θ), Inference (the TD loss, actions from the search), Train
// (RootLoss: Q_θ regressed on the root values of the search at every
// visited state and on log R(x) at the exit; actions from softmax Q_θ) and
// All (RootLoss, actions from the search; the paper's default). Its
// defaults are the paper's hypergrid settings.
//
// # Planning with any model
//
// A Planner plans over any softrl.QFunction. EdgeFlowQ is the view
// Q(s, a) = log F(s) + log P_F(a|s) of any model: a policy with a log-flow
// head (DB, SubTB), the Boltzmann model of Soft DQN or Munchausen DQN, or a
// TB policy with the forward flows of ForwardLogFlows.
//
// # Cost
//
// A step of a rollout of n trajectories costs at most Rollouts network
// passes over at most n states (the new nodes of each round; each distinct
// state evaluated once), plus one over the new roots, where the chosen child
// was not in the tree. The trees live in flat arrays reused from rollout to
// rollout, so that a training iteration allocates nothing once the buffers
// have grown.
package mcts
