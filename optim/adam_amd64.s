//go:build !purego

#include "textflag.h"

// ADAM updates one vector of lanes at byte offset off of w (DI), g (SI),
// m (R8) and v (R9), in adamGo's order of operations:
//
//	m ← b1·m + ob1·g;  v ← b2·v + (ob2·g)·g
//	w ← w·decay − (step·m) / (√(v·ic2) + eps);  g ← 0
//
// B1 … EPS hold the broadcast coefficients, ZERO holds zeros, and G, M, V,
// T, W are scratch registers. The instructions work on xmm, ymm and zmm alike.
#define ADAM(off, B1, OB1, B2, OB2, IC2, STEP, DECAY, EPS, ZERO, G, M, V, T, W) \
	VMOVUPD off(SI), G; \
	VMOVUPD off(R8), M; \
	VMOVUPD off(R9), V; \
	VMULPD  B1, M, M; \
	VMULPD  OB1, G, T; \
	VADDPD  T, M, M; \
	VMULPD  OB2, G, T; \
	VMULPD  G, T, T; \
	VMULPD  B2, V, V; \
	VADDPD  T, V, V; \
	VMOVUPD M, off(R8); \
	VMOVUPD V, off(R9); \
	VMULPD  IC2, V, V; \
	VSQRTPD V, V; \
	VADDPD  EPS, V, V; \
	VMULPD  STEP, M, M; \
	VDIVPD  V, M, M; \
	VMOVUPD off(DI), W; \
	VMULPD  DECAY, W, W; \
	VSUBPD  M, W, W; \
	VMOVUPD W, off(DI); \
	VMOVUPD ZERO, off(SI)

#define A512(off, G, M, V, T, W) ADAM(off, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z31, G, M, V, T, W)
#define A256(off, G, M, V, T, W) ADAM(off, Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y15, G, M, V, T, W)

// ADAMSCALAR updates the element at DI, SI, R8, R9 with the same operations
// (VEX-encoded scalar forms on the low lanes of registers 0-7).
#define ADAMSCALAR \
	VMOVSD  (SI), X8; \
	VMOVSD  (R8), X9; \
	VMOVSD  (R9), X10; \
	VMULSD  X0, X9, X9; \
	VMULSD  X1, X8, X11; \
	VADDSD  X11, X9, X9; \
	VMULSD  X3, X8, X11; \
	VMULSD  X8, X11, X11; \
	VMULSD  X2, X10, X10; \
	VADDSD  X11, X10, X10; \
	VMOVSD  X9, (R8); \
	VMOVSD  X10, (R9); \
	VMULSD  X4, X10, X10; \
	VSQRTSD X10, X10, X10; \
	VADDSD  X7, X10, X10; \
	VMULSD  X5, X9, X9; \
	VDIVSD  X10, X9, X9; \
	VMOVSD  (DI), X12; \
	VMULSD  X6, X12, X12; \
	VSUBSD  X9, X12, X12; \
	VMOVSD  X12, (DI); \
	MOVQ    $0, (SI)

#define LOADARGS \
	MOVQ n+0(FP), CX; \
	MOVQ wp+8(FP), DI; \
	MOVQ gp+16(FP), SI; \
	MOVQ mp+24(FP), R8; \
	MOVQ vp+32(FP), R9

#define ADVANCE(bytes) \
	ADDQ $bytes, DI; \
	ADDQ $bytes, SI; \
	ADDQ $bytes, R8; \
	ADDQ $bytes, R9

// func adamAVX512(n int, wp, gp, mp, vp *float64, b1, ob1, b2, ob2, ic2, step, decay, eps float64)
TEXT ·adamAVX512(SB), NOSPLIT, $0-104
	LOADARGS
	VBROADCASTSD b1+40(FP), Z0
	VBROADCASTSD ob1+48(FP), Z1
	VBROADCASTSD b2+56(FP), Z2
	VBROADCASTSD ob2+64(FP), Z3
	VBROADCASTSD ic2+72(FP), Z4
	VBROADCASTSD step+80(FP), Z5
	VBROADCASTSD decay+88(FP), Z6
	VBROADCASTSD eps+96(FP), Z7
	VPXORQ Z31, Z31, Z31

loop16:
	CMPQ CX, $16
	JLT  one8
	A512(0, Z8, Z9, Z10, Z11, Z12)
	A512(64, Z16, Z17, Z18, Z19, Z20)
	ADVANCE(128)
	SUBQ $16, CX
	JMP  loop16

one8:
	CMPQ CX, $8
	JLT  tail512
	A512(0, Z8, Z9, Z10, Z11, Z12)
	ADVANCE(64)
	SUBQ $8, CX

tail512:
	TESTQ CX, CX
	JEQ   done512

scalar512:
	ADAMSCALAR
	ADVANCE(8)
	DECQ CX
	JNE  scalar512

done512:
	VZEROUPPER
	RET

// func adamAVX2(n int, wp, gp, mp, vp *float64, b1, ob1, b2, ob2, ic2, step, decay, eps float64)
TEXT ·adamAVX2(SB), NOSPLIT, $0-104
	LOADARGS
	VBROADCASTSD b1+40(FP), Y0
	VBROADCASTSD ob1+48(FP), Y1
	VBROADCASTSD b2+56(FP), Y2
	VBROADCASTSD ob2+64(FP), Y3
	VBROADCASTSD ic2+72(FP), Y4
	VBROADCASTSD step+80(FP), Y5
	VBROADCASTSD decay+88(FP), Y6
	VBROADCASTSD eps+96(FP), Y7
	VXORPD Y15, Y15, Y15

loop8:
	CMPQ CX, $8
	JLT  one4
	A256(0, Y8, Y9, Y10, Y11, Y12)
	A256(32, Y8, Y9, Y10, Y11, Y12)
	ADVANCE(64)
	SUBQ $8, CX
	JMP  loop8

one4:
	CMPQ CX, $4
	JLT  tail256
	A256(0, Y8, Y9, Y10, Y11, Y12)
	ADVANCE(32)
	SUBQ $4, CX

tail256:
	TESTQ CX, CX
	JEQ   done256

scalar256:
	ADAMSCALAR
	ADVANCE(8)
	DECQ CX
	JNE  scalar256

done256:
	VZEROUPPER
	RET
