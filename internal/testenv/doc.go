// Package testenv holds the tiny environments that the tests of several
// packages share, with their exact flows where the tests need them:
//
//   - Fill (a DAG of bit strings written in any order), Tree (bit strings
//     appended, not Reversible), Line (a chain where every state may exit)
//     and Bits (a tree without exit action) for samplers and algorithms;
//   - Grid (a 2×3 grid where every state exits) and Subsets (2 of 3 items, a
//     DAG without exit action), whose exact flows Flows computes, with Batch,
//     Scores and Model to build objectives' inputs by hand.
//
// It is internal: these environments exist for tests, not for users.
package testenv
