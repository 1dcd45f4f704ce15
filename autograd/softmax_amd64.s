//go:build !purego

#include "textflag.h"

// AVX-512 exponential and softmax of Attention; attention_kernels.go
// defines them in Go (expGo, softmaxGo) and explains why the results are
// the same to the bit: the polynomial is evaluated with VFMADD213PD in the
// order of expm's math.FMA calls, the 2ⁿ scaling (VSCALEFPD) is exact for
// the normal results expm allows, and sums are taken in eight lanes added
// pairwise, as sum8 does.

// EXP8 sets P to expm of the 8 doubles in X, with N and R as scratch and K
// as a scratch opmask; the constants live in Z10…Z28 (see expAVX512).
#define EXP8(X, N, R, P, K) \
	VMULPD      Z24, X, N;  \
	VRNDSCALEPD $0, N, N;   \
	VMOVAPD     X, R;       \
	VFMADD231PD Z25, N, R;  \
	VFMADD231PD Z26, N, R;  \
	VMOVAPD     Z23, P;     \
	VFMADD213PD Z22, R, P;  \
	VFMADD213PD Z21, R, P;  \
	VFMADD213PD Z20, R, P;  \
	VFMADD213PD Z19, R, P;  \
	VFMADD213PD Z18, R, P;  \
	VFMADD213PD Z17, R, P;  \
	VFMADD213PD Z16, R, P;  \
	VFMADD213PD Z15, R, P;  \
	VFMADD213PD Z14, R, P;  \
	VFMADD213PD Z13, R, P;  \
	VFMADD213PD Z12, R, P;  \
	VFMADD213PD Z11, R, P;  \
	VFMADD213PD Z10, R, P;  \
	VSCALEFPD   N, P, P;    \
	VCMPPD      $0x11, Z27, X, K; \
	VMOVAPD     Z28, K, P

#define BCAST(bits, Z) \
	MOVQ         bits, AX; \
	VPBROADCASTQ AX, Z

// EXPCONST loads the constants of EXP8: Z10…Z23 the Taylor coefficients
// 1/0! … 1/13!, Z24 log₂e, Z25 and Z26 −ln 2 split in two, Z27 the clamp
// −708 and Z28 zero. It uses AX.
#define EXPCONST \
	BCAST($0x3ff0000000000000, Z10); \
	BCAST($0x3ff0000000000000, Z11); \
	BCAST($0x3fe0000000000000, Z12); \
	BCAST($0x3fc5555555555555, Z13); \
	BCAST($0x3fa5555555555555, Z14); \
	BCAST($0x3f81111111111111, Z15); \
	BCAST($0x3f56c16c16c16c17, Z16); \
	BCAST($0x3f2a01a01a01a01a, Z17); \
	BCAST($0x3efa01a01a01a01a, Z18); \
	BCAST($0x3ec71de3a556c734, Z19); \
	BCAST($0x3e927e4fb7789f5c, Z20); \
	BCAST($0x3e5ae64567f544e4, Z21); \
	BCAST($0x3e21eed8eff8d898, Z22); \
	BCAST($0x3de6124613a86d09, Z23); \
	BCAST($0x3ff71547652b82fe, Z24); \
	BCAST($0xbfe62e42fee00000, Z25); \
	BCAST($0xbdea39ef35793c76, Z26); \
	BCAST($0xc086200000000000, Z27); \
	VPXORQ Z28, Z28, Z28

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
