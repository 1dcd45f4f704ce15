//go:build !purego

#include "textflag.h"

// POLYAK updates one vector of lanes at byte offset off of d (DI) from s
// (SI) as polyakGo does: d ← c·d + τ·s, with c = 1−τ in C and τ in TAU,
// each product and the sum rounded separately (no FMA). T and U are
// scratch registers. The instructions work on ymm and zmm alike.
#define POLYAK(off, C, TAU, T, U) \
	VMULPD  off(DI), C, T; \
	VMULPD  off(SI), TAU, U; \
	VADDPD  U, T, T; \
	VMOVUPD T, off(DI)

// POLYAKSCALAR updates the element at DI from the one at SI (VEX-encoded
// scalar forms on the low lanes of registers 0 and 1).
#define POLYAKSCALAR \
	VMOVSD (DI), X2; \
	VMULSD X0, X2, X2; \
	VMOVSD (SI), X3; \
	VMULSD X1, X3, X3; \
	VADDSD X3, X2, X2; \
	VMOVSD X2, (DI)

// func polyakAVX512(n int, dp, sp *float64, c, tau float64)
TEXT ·polyakAVX512(SB), NOSPLIT, $0-40
	MOVQ n+0(FP), CX
	MOVQ dp+8(FP), DI
	MOVQ sp+16(FP), SI
	VBROADCASTSD c+24(FP), Z0
	VBROADCASTSD tau+32(FP), Z1

loop16:
	CMPQ CX, $16
	JLT  one8
	POLYAK(0, Z0, Z1, Z2, Z3)
	POLYAK(64, Z0, Z1, Z4, Z5)
	ADDQ $128, DI
	ADDQ $128, SI
	SUBQ $16, CX
	JMP  loop16

one8:
	CMPQ CX, $8
	JLT  tail512
	POLYAK(0, Z0, Z1, Z2, Z3)
	ADDQ $64, DI
	ADDQ $64, SI
	SUBQ $8, CX

tail512:
	TESTQ CX, CX
	JEQ   done512
	POLYAKSCALAR
	ADDQ  $8, DI
	ADDQ  $8, SI
	DECQ  CX
	JMP   tail512

done512:
	VZEROUPPER
	RET

// func polyakAVX2(n int, dp, sp *float64, c, tau float64)
TEXT ·polyakAVX2(SB), NOSPLIT, $0-40
	MOVQ n+0(FP), CX
	MOVQ dp+8(FP), DI
	MOVQ sp+16(FP), SI
	VBROADCASTSD c+24(FP), Y0
	VBROADCASTSD tau+32(FP), Y1

loop8:
	CMPQ CX, $8
	JLT  one4
	POLYAK(0, Y0, Y1, Y2, Y3)
	POLYAK(32, Y0, Y1, Y4, Y5)
	ADDQ $64, DI
	ADDQ $64, SI
	SUBQ $8, CX
	JMP  loop8

one4:
	CMPQ CX, $4
	JLT  tail256
	POLYAK(0, Y0, Y1, Y2, Y3)
	ADDQ $32, DI
	ADDQ $32, SI
	SUBQ $4, CX

tail256:
	TESTQ CX, CX
	JEQ   done256
	POLYAKSCALAR
	ADDQ  $8, DI
	ADDQ  $8, SI
	DECQ  CX
	JMP   tail256

done256:
	VZEROUPPER
	RET
