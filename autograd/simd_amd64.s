//go:build !purego

#include "textflag.h"

// Element-wise kernels: ReLU forward and backward, and dst = x + y. Each
// handles 32 (AVX-512) or 16 (AVX2) elements per iteration in four
// independent vectors, then one vector at a time, then a scalar tail in
// VEX-encoded xmm instructions. In the ReLU kernels, registers 0 and 1 hold
// zeros and the absolute-value mask 0x7fff…f in every lane.
//
// Bit-identity with the Go loops includes the NaN payloads: when both
// operands of an addition are NaN, the result is the first operand quieted,
// so each kernel adds in the operand order the Go compiler emits for its
// loop (g + xg in reluBwdGo, x + y in addGo). A compiler that reorders them
// would change only which NaN comes out; simd_test.go checks for it.
//
// The forward pass reproduces Go's max(v, 0) bit for bit without a branch,
// as |MAXPD(+0, v)|. MAXPD(a, b) returns a if a > b and b otherwise, so b
// unchanged when either is NaN or both are zeros: with v second it gives +0
// for v < 0, v for v > 0, and v itself for −0 and for NaN, quiet or
// signalling. Clearing the sign (AND 0x7fff…f) then turns −0 into +0 and a
// NaN into the NaN with its payload and a clear sign, which is what the
// compiled max(v, 0) returns (it negates, takes two MINSDs and ORs them).
//
// The backward pass adds g only where out > 0 (GT_OQ, false for NaN): AVX-512
// merge-masks the add, AVX2 blends the sum with the old value, so unselected
// elements are stored back unchanged (adding a zero would turn −0 into +0).

#define GT_OQ  $0x1e

// SETUP512 / SETUP256 put zeros in register 0 and the mask in register 1.
#define SETUP512 \
	VPXORQ       Z0, Z0, Z0; \
	MOVQ         $0x7fffffffffffffff, AX; \
	VPBROADCASTQ AX, Z1

#define SETUP256 \
	VXORPD       Y0, Y0, Y0; \
	MOVQ         $0x7fffffffffffffff, AX; \
	MOVQ         AX, X1; \
	VPBROADCASTQ X1, Y1

// FWD512 writes relu of the 8 elements at off(SI) to off(DI).
#define FWD512(off, V) \
	VMOVUPD off(SI), V; \
	VMAXPD  V, Z0, V; \
	VPANDQ  Z1, V, V; \
	VMOVUPD V, off(DI)

// FWD256 does the same for 4 elements.
#define FWD256(off, V) \
	VMOVUPD off(SI), V; \
	VMAXPD  V, Y0, V; \
	VANDPD  Y1, V, V; \
	VMOVUPD V, off(DI)

// FWDSCALAR does it for the element at (SI).
#define FWDSCALAR \
	VMOVSD (SI), X2; \
	VMAXSD X2, X0, X2; \
	VANDPD X1, X2, X2; \
	VMOVSD X2, (DI)

// func reluFwdAVX512(dst, x *float64, n int)
TEXT ·reluFwdAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SETUP512

fwd512loop32:
	CMPQ CX, $32
	JLT  fwd512loop8
	FWD512(0, Z2)
	FWD512(64, Z3)
	FWD512(128, Z4)
	FWD512(192, Z5)
	ADDQ $256, SI
	ADDQ $256, DI
	SUBQ $32, CX
	JMP  fwd512loop32

fwd512loop8:
	CMPQ CX, $8
	JLT  fwd512tail
	FWD512(0, Z2)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $8, CX
	JMP  fwd512loop8

fwd512tail:
	TESTQ CX, CX
	JEQ   fwd512done

fwd512scalar:
	FWDSCALAR
	ADDQ $8, SI
	ADDQ $8, DI
	DECQ CX
	JNE  fwd512scalar

fwd512done:
	VZEROUPPER
	RET

// func reluFwdAVX2(dst, x *float64, n int)
TEXT ·reluFwdAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SETUP256

fwd256loop16:
	CMPQ CX, $16
	JLT  fwd256loop4
	FWD256(0, Y2)
	FWD256(32, Y4)
	FWD256(64, Y6)
	FWD256(96, Y8)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $16, CX
	JMP  fwd256loop16

fwd256loop4:
	CMPQ CX, $4
	JLT  fwd256tail
	FWD256(0, Y2)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $4, CX
	JMP  fwd256loop4

fwd256tail:
	TESTQ CX, CX
	JEQ   fwd256done

fwd256scalar:
	FWDSCALAR
	ADDQ $8, SI
	ADDQ $8, DI
	DECQ CX
	JNE  fwd256scalar

fwd256done:
	VZEROUPPER
	RET

// BWD512 adds the 8 gradients at off(SI) into off(DI) where off(DX) > 0.
// Like Go's xg[i] += g[i], it computes g + xg with g as the first operand,
// which decides the payload when both are NaN (the first one, quieted).
#define BWD512(off, O, V, K) \
	VMOVUPD off(DX), O; \
	VCMPPD  GT_OQ, Z0, O, K; \
	VMOVUPD off(SI), O; \
	VMOVUPD off(DI), V; \
	VADDPD  V, O, K, V; \
	VMOVUPD V, off(DI)

// BWD256 does the same for 4 elements.
#define BWD256(off, O, V, S) \
	VMOVUPD   off(DX), O; \
	VCMPPD    GT_OQ, Y0, O, O; \
	VMOVUPD   off(DI), V; \
	VMOVUPD   off(SI), S; \
	VADDPD    V, S, S; \
	VBLENDVPD O, S, V, V; \
	VMOVUPD   V, off(DI)

// BWDSCALAR does it for the element at (DI).
#define BWDSCALAR \
	VMOVSD    (DX), X2; \
	VCMPSD    GT_OQ, X0, X2, X2; \
	VMOVSD    (DI), X3; \
	VMOVSD    (SI), X4; \
	VADDSD    X3, X4, X4; \
	VBLENDVPD X2, X4, X3, X3; \
	VMOVSD    X3, (DI)

// func reluBwdAVX512(xg, gp, out *float64, n int)
TEXT ·reluBwdAVX512(SB), NOSPLIT, $0-32
	MOVQ xg+0(FP), DI
	MOVQ gp+8(FP), SI
	MOVQ out+16(FP), DX
	MOVQ n+24(FP), CX
	SETUP512

bwd512loop32:
	CMPQ CX, $32
	JLT  bwd512loop8
	BWD512(0, Z2, Z3, K1)
	BWD512(64, Z4, Z5, K2)
	BWD512(128, Z6, Z7, K3)
	BWD512(192, Z8, Z9, K4)
	ADDQ $256, SI
	ADDQ $256, DI
	ADDQ $256, DX
	SUBQ $32, CX
	JMP  bwd512loop32

bwd512loop8:
	CMPQ CX, $8
	JLT  bwd512tail
	BWD512(0, Z2, Z3, K1)
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, DX
	SUBQ $8, CX
	JMP  bwd512loop8

bwd512tail:
	TESTQ CX, CX
	JEQ   bwd512done

bwd512scalar:
	BWDSCALAR
	ADDQ $8, SI
	ADDQ $8, DI
	ADDQ $8, DX
	DECQ CX
	JNE  bwd512scalar

bwd512done:
	VZEROUPPER
	RET

// func reluBwdAVX2(xg, gp, out *float64, n int)
TEXT ·reluBwdAVX2(SB), NOSPLIT, $0-32
	MOVQ xg+0(FP), DI
	MOVQ gp+8(FP), SI
	MOVQ out+16(FP), DX
	MOVQ n+24(FP), CX
	SETUP256

bwd256loop16:
	CMPQ CX, $16
	JLT  bwd256loop4
	BWD256(0, Y2, Y3, Y4)
	BWD256(32, Y5, Y6, Y7)
	BWD256(64, Y8, Y9, Y10)
	BWD256(96, Y11, Y12, Y13)
	ADDQ $128, SI
	ADDQ $128, DI
	ADDQ $128, DX
	SUBQ $16, CX
	JMP  bwd256loop16

bwd256loop4:
	CMPQ CX, $4
	JLT  bwd256tail
	BWD256(0, Y2, Y3, Y4)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $4, CX
	JMP  bwd256loop4

bwd256tail:
	TESTQ CX, CX
	JEQ   bwd256done

bwd256scalar:
	BWDSCALAR
	ADDQ $8, SI
	ADDQ $8, DI
	ADDQ $8, DX
	DECQ CX
	JNE  bwd256scalar

bwd256done:
	VZEROUPPER
	RET

// ADD512 writes x + y for the 8 elements at off(SI) and off(DX) to off(DI).
// x is the first operand, as in the Go loops, which decides the payload when
// both are NaN. dst may be x or y itself: each vector is loaded before it is
// stored.
#define ADD512(off, V) \
	VMOVUPD off(SI), V; \
	VADDPD  off(DX), V, V; \
	VMOVUPD V, off(DI)

// ADD256 does the same for 4 elements.
#define ADD256(off, V) \
	VMOVUPD off(SI), V; \
	VADDPD  off(DX), V, V; \
	VMOVUPD V, off(DI)

#define ADDSCALAR \
	VMOVSD (SI), X2; \
	VADDSD (DX), X2, X2; \
	VMOVSD X2, (DI)

// func addAVX512(dst, x, y *float64, n int)
TEXT ·addAVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX

add512loop32:
	CMPQ CX, $32
	JLT  add512loop8
	ADD512(0, Z2)
	ADD512(64, Z3)
	ADD512(128, Z4)
	ADD512(192, Z5)
	ADDQ $256, SI
	ADDQ $256, DI
	ADDQ $256, DX
	SUBQ $32, CX
	JMP  add512loop32

add512loop8:
	CMPQ CX, $8
	JLT  add512tail
	ADD512(0, Z2)
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, DX
	SUBQ $8, CX
	JMP  add512loop8

add512tail:
	TESTQ CX, CX
	JEQ   add512done

add512scalar:
	ADDSCALAR
	ADDQ $8, SI
	ADDQ $8, DI
	ADDQ $8, DX
	DECQ CX
	JNE  add512scalar

add512done:
	VZEROUPPER
	RET

// func addAVX2(dst, x, y *float64, n int)
TEXT ·addAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX

add256loop16:
	CMPQ CX, $16
	JLT  add256loop4
	ADD256(0, Y2)
	ADD256(32, Y3)
	ADD256(64, Y4)
	ADD256(96, Y5)
	ADDQ $128, SI
	ADDQ $128, DI
	ADDQ $128, DX
	SUBQ $16, CX
	JMP  add256loop16

add256loop4:
	CMPQ CX, $4
	JLT  add256tail
	ADD256(0, Y2)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $4, CX
	JMP  add256loop4

add256tail:
	TESTQ CX, CX
	JEQ   add256done

add256scalar:
	ADDSCALAR
	ADDQ $8, SI
	ADDQ $8, DI
	ADDQ $8, DX
	DECQ CX
	JNE  add256scalar

add256done:
	VZEROUPPER
	RET
