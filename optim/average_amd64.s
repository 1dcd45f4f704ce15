//go:build !purego

#include "textflag.h"

// func meanAVX2(n int, ap, xp *float64, k float64)
//
// For j < n: a[j] ← a[j] + (x[j] − a[j]) / k, rounded after every operation
// in this order, as meanGo does: 8 lanes per iteration, then 4, then a
// scalar tail.
TEXT ·meanAVX2(SB), NOSPLIT, $0-32
	MOVQ         n+0(FP), CX
	MOVQ         ap+8(FP), DI
	MOVQ         xp+16(FP), SI
	VBROADCASTSD k+24(FP), Y0

loop8:
	CMPQ    CX, $8
	JLT     loop4
	VMOVUPD (DI), Y1
	VMOVUPD 32(DI), Y2
	VMOVUPD (SI), Y3
	VMOVUPD 32(SI), Y4
	VSUBPD  Y1, Y3, Y3
	VSUBPD  Y2, Y4, Y4
	VDIVPD  Y0, Y3, Y3
	VDIVPD  Y0, Y4, Y4
	VADDPD  Y3, Y1, Y1
	VADDPD  Y4, Y2, Y2
	VMOVUPD Y1, (DI)
	VMOVUPD Y2, 32(DI)
	ADDQ    $64, DI
	ADDQ    $64, SI
	SUBQ    $8, CX
	JMP     loop8

loop4:
	CMPQ    CX, $4
	JLT     tail
	VMOVUPD (DI), Y1
	VMOVUPD (SI), Y3
	VSUBPD  Y1, Y3, Y3
	VDIVPD  Y0, Y3, Y3
	VADDPD  Y3, Y1, Y1
	VMOVUPD Y1, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	SUBQ    $4, CX

tail:
	TESTQ  CX, CX
	JEQ    done
	VMOVSD (DI), X1
	VMOVSD (SI), X3
	VSUBSD X1, X3, X3
	VDIVSD X0, X3, X3
	VADDSD X3, X1, X1
	VMOVSD X1, (DI)
	ADDQ   $8, DI
	ADDQ   $8, SI
	DECQ   CX
	JMP    tail

done:
	VZEROUPPER
	RET

// func emaAVX2(n int, ap, xp *float64, keep, take float64)
//
// For j < n: a[j] ← a[j]·keep + x[j]·take, rounded after every operation,
// as emaGo does.
TEXT ·emaAVX2(SB), NOSPLIT, $0-40
	MOVQ         n+0(FP), CX
	MOVQ         ap+8(FP), DI
	MOVQ         xp+16(FP), SI
	VBROADCASTSD keep+24(FP), Y0
	VBROADCASTSD take+32(FP), Y5

eloop8:
	CMPQ    CX, $8
	JLT     eloop4
	VMULPD  (DI), Y0, Y1
	VMULPD  32(DI), Y0, Y2
	VMULPD  (SI), Y5, Y3
	VMULPD  32(SI), Y5, Y4
	VADDPD  Y3, Y1, Y1
	VADDPD  Y4, Y2, Y2
	VMOVUPD Y1, (DI)
	VMOVUPD Y2, 32(DI)
	ADDQ    $64, DI
	ADDQ    $64, SI
	SUBQ    $8, CX
	JMP     eloop8

eloop4:
	CMPQ    CX, $4
	JLT     etail
	VMULPD  (DI), Y0, Y1
	VMULPD  (SI), Y5, Y3
	VADDPD  Y3, Y1, Y1
	VMOVUPD Y1, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	SUBQ    $4, CX

etail:
	TESTQ  CX, CX
	JEQ    edone
	VMOVSD (DI), X1
	VMOVSD (SI), X3
	VMULSD X0, X1, X1
	VMULSD X5, X3, X3
	VADDSD X3, X1, X1
	VMOVSD X1, (DI)
	ADDQ   $8, DI
	ADDQ   $8, SI
	DECQ   CX
	JMP    etail

edone:
	VZEROUPPER
	RET
