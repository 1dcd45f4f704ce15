//go:build !purego

#include "textflag.h"

// AVX-512 exponential and softmax of Attention; attention_kernels.go
// defines them in Go (expGo, softmaxGo) and explains why the results are
// the same to the bit: the polynomial is evaluated with VFMADD213PD in the
// order of expm's math.FMA calls, the 2ⁿ scaling (VSCALEFPD) is exact for
// the normal results expm allows, and sums are taken in eight lanes added
// pairwise, as sum8 does.

#include "exp_amd64.h"

// func expAVX512(dst, x *float64, n int)
// sets dst[i] = expm(x[i]) for i < n: 16 elements per iteration in two
// independent chains, then 8, then a masked tail.
TEXT ·expAVX512(SB), NOSPLIT, $0-24
	MOVQ  dst+0(FP), DI
	MOVQ  x+8(FP), SI
	MOVQ  n+16(FP), CX
	EXPCONST

exp16:
	CMPQ    CX, $16
	JLT     exp8
	VMOVUPD (SI), Z0
	VMOVUPD 64(SI), Z4
	EXP8(Z0, Z1, Z2, Z3, K1)
	EXP8(Z4, Z5, Z6, Z7, K2)
	VMOVUPD Z3, (DI)
	VMOVUPD Z7, 64(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $16, CX
	JMP     exp16

exp8:
	CMPQ    CX, $8
	JLT     exptail
	VMOVUPD (SI), Z0
	EXP8(Z0, Z1, Z2, Z3, K1)
	VMOVUPD Z3, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $8, CX

exptail:
	TESTQ     CX, CX
	JZ        expdone
	MOVQ      $1, AX
	SHLQ      CX, AX
	DECQ      AX
	KMOVW     AX, K3
	VMOVUPD.Z (SI), K3, Z0
	EXP8(Z0, Z1, Z2, Z3, K1)
	VMOVUPD   Z3, K3, (DI)

expdone:
	VZEROUPPER
	RET

// func softmaxAVX512(s *float64, l, rows int, tmp *float64)
// replaces each of the rows rows of l doubles at s by its softmax, as
// softmaxGo: the row's maximum m, e_j = expm(x_j − m), their sum in eight
// lanes (lane j mod 8) reduced pairwise, then e_j·(1/sum). It makes three
// passes over all the rows (maxima into tmp[i], exponentials and sums into
// tmp[i], scaling), so that the rows' short dependency chains overlap. Each
// row is walked in vectors of 8, the last one masked (K2); Z31 holds −Inf,
// the maximum's fill for masked lanes.
TEXT ·softmaxAVX512(SB), NOSPLIT, $0-32
	MOVQ         s+0(FP), DI
	MOVQ         l+8(FP), DX
	MOVQ         rows+16(FP), R8
	MOVQ         tmp+24(FP), R10
	EXPCONST
	MOVQ         $0xfff0000000000000, AX
	VPBROADCASTQ AX, Z31
	MOVQ         DX, CX
	ANDQ         $7, CX
	MOVQ         $1, AX
	SHLQ         CX, AX
	DECQ         AX
	KMOVW        AX, K2     // lanes of the last, partial vector
	MOVQ         DX, R9
	SHRQ         $3, R9     // full vectors per row
	SHLQ         $3, DX     // row length in bytes

	// Pass 1: the maximum of each row, into tmp.
	MOVQ DI, R11
	MOVQ R10, R12
	MOVQ R8, R13

smmaxrow:
	VMOVAPD Z31, Z0
	MOVQ    R11, SI
	MOVQ    R9, BX
	TESTQ   BX, BX
	JZ      smmaxtail

smmax:
	VMAXPD (SI), Z0, Z0
	ADDQ   $64, SI
	DECQ   BX
	JNZ    smmax

smmaxtail:
	KORTESTW K2, K2
	JZ       smmaxred
	VMOVAPD  Z31, Z1
	VMOVUPD  (SI), K2, Z1
	VMAXPD   Z1, Z0, Z0

smmaxred:
	VEXTRACTF64X4 $1, Z0, Y1
	VMAXPD        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VMAXPD        X1, X0, X0
	VPERMILPD     $1, X0, X1
	VMAXSD        X1, X0, X0
	VMOVSD        X0, (R12)
	ADDQ          DX, R11
	ADDQ          $8, R12
	DECQ          R13
	JNZ           smmaxrow

	// Pass 2: e = expm(x − m) in place; the sum of each row into tmp.
	MOVQ DI, R11
	MOVQ R10, R12
	MOVQ R8, R13

smexprow:
	VBROADCASTSD (R12), Z29
	VPXORQ       Z30, Z30, Z30
	MOVQ         R11, SI
	MOVQ         R9, BX
	TESTQ        BX, BX
	JZ           smexptail

smexp:
	VMOVUPD (SI), Z0
	VSUBPD  Z29, Z0, Z0
	EXP8(Z0, Z1, Z2, Z3, K1)
	VADDPD  Z3, Z30, Z30
	VMOVUPD Z3, (SI)
	ADDQ    $64, SI
	DECQ    BX
	JNZ     smexp

smexptail:
	KORTESTW  K2, K2
	JZ        smsumred
	VMOVUPD.Z (SI), K2, Z0
	VSUBPD    Z29, Z0, Z0
	EXP8(Z0, Z1, Z2, Z3, K1)
	VADDPD    Z3, Z30, K2, Z30
	VMOVUPD   Z3, K2, (SI)

smsumred:
	VEXTRACTF64X4 $1, Z30, Y1
	VADDPD        Y1, Y30, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPD        X1, X0, X0
	VPERMILPD     $1, X0, X1
	VADDSD        X1, X0, X0
	VMOVSD        X0, (R12)
	ADDQ          DX, R11
	ADDQ          $8, R12
	DECQ          R13
	JNZ           smexprow

	// Pass 3: scale each row by 1/sum.
	MOVQ DI, R11
	MOVQ R10, R12
	MOVQ R8, R13
	MOVQ $0x3ff0000000000000, AX
	MOVQ AX, X4

smscalerow:
	VDIVSD       (R12), X4, X0
	VBROADCASTSD X0, Z29
	MOVQ         R11, SI
	MOVQ         R9, BX
	TESTQ        BX, BX
	JZ           smscaletail

smscale:
	VMULPD  (SI), Z29, Z0
	VMOVUPD Z0, (SI)
	ADDQ    $64, SI
	DECQ    BX
	JNZ     smscale

smscaletail:
	KORTESTW  K2, K2
	JZ        smnext
	VMOVUPD.Z (SI), K2, Z0
	VMULPD    Z0, Z29, Z0
	VMOVUPD   Z0, K2, (SI)

smnext:
	ADDQ DX, R11
	ADDQ $8, R12
	DECQ R13
	JNZ  smscalerow

	VZEROUPPER
	RET
