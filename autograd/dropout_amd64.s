//go:build !purego

#include "textflag.h"

// AVX-512 dropout kernels; dropout.go defines them in Go (dropMaskGo,
// dropScaleGo, dropAccGo). The mask kernel computes eight SplitMix64 draws
// per step with the same integer arithmetic; the scale kernels multiply
// with the product zero-masked where an element is dropped, which is the
// Go loops' AND with a bit mask.

// KEEPMUL sets Z2 to the 8 doubles at (SI) times Z5 where the 8 keep bytes
// at (DX) are set, and to +0 elsewhere (zero-masking).
#define KEEPMUL \
	VPMOVZXBQ (DX), Z1;    \
	VPTESTMQ  Z1, Z1, K1;  \
	VMULPD.Z  (SI), Z5, K1, Z2

// DROPARGS loads the arguments of the scale kernels: DI the destination, SI
// the source, DX the mask, CX the number of vectors and Z5 the scale.
#define DROPARGS \
	MOVQ         dst+0(FP), DI;  \
	MOVQ         src+8(FP), SI;  \
	MOVQ         keep+16(FP), DX; \
	MOVQ         n+24(FP), CX;   \
	VBROADCASTSD s+32(FP), Z5;   \
	SHRQ         $3, CX

// func dropMaskAVX512(keep *bool, n int, thr uint32, ctr *uint64, gamma8 uint64)
// sets keep[i] = u_i ≥ thr for i < n, n a multiple of 16: each step mixes
// the eight counters at ctr (seed + j·γ for the eight pairs of draws j of
// the step), compares the sixteen 32-bit halves, low half first, and stores
// them as 16 bytes of 0 or 1; then every counter moves on by gamma8 = 8γ.
TEXT ·dropMaskAVX512(SB), NOSPLIT, $0-40
	MOVQ         keep+0(FP), DI
	MOVQ         n+8(FP), CX
	MOVL         thr+16(FP), AX
	VPBROADCASTD AX, Z5
	MOVQ         ctr+24(FP), SI
	VMOVDQU64    (SI), Z0
	MOVQ         gamma8+32(FP), AX
	VPBROADCASTQ AX, Z6
	MOVQ         $0xbf58476d1ce4e5b9, AX
	VPBROADCASTQ AX, Z7
	MOVQ         $0x94d049bb133111eb, AX
	VPBROADCASTQ AX, Z8
	SHRQ         $4, CX
	JZ           maskdone

maskloop:
	VPSRLQ    $30, Z0, Z2
	VPXORQ    Z2, Z0, Z1
	VPMULLQ   Z7, Z1, Z1
	VPSRLQ    $27, Z1, Z2
	VPXORQ    Z2, Z1, Z1
	VPMULLQ   Z8, Z1, Z1
	VPSRLQ    $31, Z1, Z2
	VPXORQ    Z2, Z1, Z1
	VPCMPUD   $5, Z5, Z1, K1 // u ≥ thr
	VPMOVM2D  K1, Z3
	VPSRLD    $31, Z3, Z3
	VPMOVDB   Z3, X4
	VMOVDQU   X4, (DI)
	VPADDQ    Z6, Z0, Z0
	ADDQ      $16, DI
	DECQ      CX
	JNZ       maskloop

maskdone:
	VZEROUPPER
	RET

// func dropScaleAVX512(dst, src *float64, keep *bool, n int, s float64)
// sets dst[i] = src[i]·s where keep[i] and +0 elsewhere, for i < n, n a
// multiple of 8.
TEXT ·dropScaleAVX512(SB), NOSPLIT, $0-40
	DROPARGS
	JZ scaledone

scaleloop:
	KEEPMUL
	VMOVUPD Z2, (DI)
	ADDQ    $8, DX
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     scaleloop

scaledone:
	VZEROUPPER
	RET

// func dropAccAVX512(dst, src *float64, keep *bool, n int, s float64)
// adds src[i]·s to dst[i] where keep[i], and +0 elsewhere, for i < n, n a
// multiple of 8.
TEXT ·dropAccAVX512(SB), NOSPLIT, $0-40
	DROPARGS
	JZ accdone

accloop:
	KEEPMUL
	VMOVUPD (DI), Z3
	VADDPD  Z2, Z3, Z3 // dst + t: with two NaNs, dst's, as the Go loop
	VMOVUPD Z3, (DI)
	ADDQ    $8, DX
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     accloop

accdone:
	VZEROUPPER
	RET
