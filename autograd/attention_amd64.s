//go:build !purego

#include "textflag.h"

// AVX-512 kernels of Attention; attention_kernels.go defines them in Go
// (mulRowsGo, expGo) and explains why the results are the same to the bit:
// every product is summed with VFMADD231PD/VFMADD213PD in the order of the
// Go loops' math.FMA calls, and the exponential's 2ⁿ scaling (VSCALEFPD) is
// exact for the normal results expm allows.

// func mulRowsAVX512(m, n, k int, a *float64, ars, acs int, b *float64, ldb int, c *float64, ldc int, acc bool)
// computes C[i, 0:n] (+)= Σ_p A(i,p)·B[p, 0:n] for n ≤ 16 and k ≥ 1. Rows
// go four at a time, each in two accumulators of 8 columns (one when n ≤ 8),
// with A's elements broadcast from memory at any stride; leftover rows go
// one at a time. Lanes past n are masked in every load and store of B and C.
TEXT ·mulRowsAVX512(SB), NOSPLIT, $0-81
	MOVQ    m+0(FP), R8
	MOVQ    n+8(FP), CX
	MOVQ    k+16(FP), R9
	MOVQ    a+24(FP), SI
	MOVQ    ars+32(FP), R10
	SHLQ    $3, R10
	MOVQ    acs+40(FP), R11
	SHLQ    $3, R11
	MOVQ    b+48(FP), DI
	MOVQ    ldb+56(FP), R12
	SHLQ    $3, R12
	MOVQ    c+64(FP), DX
	MOVQ    ldc+72(FP), R13
	SHLQ    $3, R13
	MOVBQZX acc+80(FP), R14
	MOVQ    $1, AX
	SHLQ    CX, AX
	DECQ    AX
	KMOVW   AX, K1           // columns 0…7
	SHRQ    $8, AX
	KMOVW   AX, K2           // columns 8…15
	LEAQ    (R10)(R10*2), CX // 3·ars in bytes

rows4:
	CMPQ     R8, $4
	JLT      rows1
	VPXORQ   Z0, Z0, Z0
	VPXORQ   Z1, Z1, Z1
	VPXORQ   Z2, Z2, Z2
	VPXORQ   Z3, Z3, Z3
	VPXORQ   Z4, Z4, Z4
	VPXORQ   Z5, Z5, Z5
	VPXORQ   Z6, Z6, Z6
	VPXORQ   Z7, Z7, Z7
	MOVQ     SI, AX
	MOVQ     DI, BX
	MOVQ     R9, R15
	KORTESTW K2, K2
	JZ       narrow4

wide4:
	VMOVUPD.Z    (BX), K1, Z8
	VMOVUPD.Z    64(BX), K2, Z9
	VBROADCASTSD (AX), Z10
	VFMADD231PD  Z8, Z10, Z0
	VFMADD231PD  Z9, Z10, Z1
	VBROADCASTSD (AX)(R10*1), Z11
	VFMADD231PD  Z8, Z11, Z2
	VFMADD231PD  Z9, Z11, Z3
	VBROADCASTSD (AX)(R10*2), Z12
	VFMADD231PD  Z8, Z12, Z4
	VFMADD231PD  Z9, Z12, Z5
	VBROADCASTSD (AX)(CX*1), Z13
	VFMADD231PD  Z8, Z13, Z6
	VFMADD231PD  Z9, Z13, Z7
	ADDQ         R11, AX
	ADDQ         R12, BX
	DECQ         R15
	JNZ          wide4
	JMP          store4

narrow4:
	VMOVUPD.Z    (BX), K1, Z8
	VBROADCASTSD (AX), Z10
	VFMADD231PD  Z8, Z10, Z0
	VBROADCASTSD (AX)(R10*1), Z11
	VFMADD231PD  Z8, Z11, Z2
	VBROADCASTSD (AX)(R10*2), Z12
	VFMADD231PD  Z8, Z12, Z4
	VBROADCASTSD (AX)(CX*1), Z13
	VFMADD231PD  Z8, Z13, Z6
	ADDQ         R11, AX
	ADDQ         R12, BX
	DECQ         R15
	JNZ          narrow4

store4:
	LEAQ      (DX)(R13*2), BX
	TESTQ     R14, R14
	JZ        put4
	VMOVUPD.Z (DX), K1, Z16
	VADDPD    Z16, Z0, Z0
	VMOVUPD.Z 64(DX), K2, Z17
	VADDPD    Z17, Z1, Z1
	VMOVUPD.Z (DX)(R13*1), K1, Z18
	VADDPD    Z18, Z2, Z2
	VMOVUPD.Z 64(DX)(R13*1), K2, Z19
	VADDPD    Z19, Z3, Z3
	VMOVUPD.Z (BX), K1, Z20
	VADDPD    Z20, Z4, Z4
	VMOVUPD.Z 64(BX), K2, Z21
	VADDPD    Z21, Z5, Z5
	VMOVUPD.Z (BX)(R13*1), K1, Z22
	VADDPD    Z22, Z6, Z6
	VMOVUPD.Z 64(BX)(R13*1), K2, Z23
	VADDPD    Z23, Z7, Z7

put4:
	VMOVUPD Z0, K1, (DX)
	VMOVUPD Z1, K2, 64(DX)
	VMOVUPD Z2, K1, (DX)(R13*1)
	VMOVUPD Z3, K2, 64(DX)(R13*1)
	VMOVUPD Z4, K1, (BX)
	VMOVUPD Z5, K2, 64(BX)
	VMOVUPD Z6, K1, (BX)(R13*1)
	VMOVUPD Z7, K2, 64(BX)(R13*1)
	LEAQ    (SI)(R10*4), SI
	LEAQ    (DX)(R13*4), DX
	SUBQ    $4, R8
	JMP     rows4

rows1:
	TESTQ  R8, R8
	JZ     done
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	MOVQ   SI, AX
	MOVQ   DI, BX
	MOVQ   R9, R15

loop1:
	VMOVUPD.Z    (BX), K1, Z8
	VMOVUPD.Z    64(BX), K2, Z9
	VBROADCASTSD (AX), Z10
	VFMADD231PD  Z8, Z10, Z0
	VFMADD231PD  Z9, Z10, Z1
	ADDQ         R11, AX
	ADDQ         R12, BX
	DECQ         R15
	JNZ          loop1
	TESTQ        R14, R14
	JZ           put1
	VMOVUPD.Z    (DX), K1, Z16
	VADDPD       Z16, Z0, Z0
	VMOVUPD.Z    64(DX), K2, Z17
	VADDPD       Z17, Z1, Z1

put1:
	VMOVUPD Z0, K1, (DX)
	VMOVUPD Z1, K2, 64(DX)
	ADDQ    R10, SI
	ADDQ    R13, DX
	DECQ    R8
	JMP     rows1

done:
	VZEROUPPER
	RET

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
