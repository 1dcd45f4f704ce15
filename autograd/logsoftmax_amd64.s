//go:build !purego

#include "textflag.h"
#include "exp_amd64.h"

// AVX-512 kernels of LogSoftmax; logsoftmax_kernels.go defines them in Go
// (lseMaxGo, lseExpSumGo, lseSumGo, lseShiftGo, lseBackGo) and explains why
// the results are the same to the bit. Each walks its row in vectors of 8.
// A row's mask is a []bool (bytes 0 or 1), or nil (R8 = 0) for all valid:
// K2 holds the valid lanes of the current vector. For the last, partial
// vector K3 holds the lanes inside the row and K2 the valid ones among them,
// its mask bits read one byte at a time (no read past the mask's end).

// VALID8 sets K2 to the valid lanes of the next full vector and advances the
// mask pointer R8, unless it is nil (K2 then stays all ones). It uses Z5.
#define VALID8(skip) \
	TESTQ     R8, R8;      \
	JZ        skip;        \
	VPMOVZXBQ (R8), Z5;    \
	VPTESTMQ  Z5, Z5, K2;  \
	ADDQ      $8, R8

// ALLVALID sets K2 to all ones; it uses AX.
#define ALLVALID \
	MOVQ  $0xff, AX; \
	KMOVW AX, K2

// NEGINF sets Z31 to −Inf in every lane; it uses AX.
#define NEGINF \
	MOVQ         $0xfff0000000000000, AX; \
	VPBROADCASTQ AX, Z31

// TAILMASK sets, for the CX (1…7) elements left, K3 to their lanes and K2
// to the valid ones among them: the bytes at R8 one by one, or all of them
// if R8 is nil. It uses AX, BX and DX.
#define TAILMASK(loop, skip, done) \
	MOVQ  $1, AX;        \
	SHLQ  CX, AX;        \
	DECQ  AX;            \
	KMOVW AX, K3;        \
	TESTQ R8, R8;        \
	JZ    done;          \
	XORQ  AX, AX;        \
	XORQ  BX, BX;        \
loop:                    \
	MOVBQZX (R8)(BX*1), DX; \
	TESTQ DX, DX;        \
	JZ    skip;          \
	BTSQ  BX, AX;        \
skip:                    \
	INCQ  BX;            \
	CMPQ  BX, CX;        \
	JLT   loop;          \
done:                    \
	KMOVW AX, K2

// MAXRED sets X0 to the maximum of the 8 lanes of Z0.
#define MAXRED \
	VEXTRACTF64X4 $1, Z0, Y1; \
	VMAXPD        Y1, Y0, Y0; \
	VEXTRACTF128  $1, Y0, X1; \
	VMAXPD        X1, X0, X0; \
	VPERMILPD     $1, X0, X1; \
	VMAXSD        X1, X0, X0

// SUMRED sets X0 to the sum of the 8 lanes of Z30, lanes j and j+4 first,
// then pairwise, as sum8 adds its eight partial sums.
#define SUMRED \
	VEXTRACTF64X4 $1, Z30, Y1; \
	VADDPD        Y1, Y30, Y0; \
	VEXTRACTF128  $1, Y0, X1;  \
	VADDPD        X1, X0, X0;  \
	VPERMILPD     $1, X0, X1;  \
	VADDSD        X1, X0, X0

// func lseMaxAVX512(x *float64, valid *bool, n int) float64
TEXT ·lseMaxAVX512(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	MOVQ valid+8(FP), R8
	MOVQ n+16(FP), CX
	NEGINF
	VMOVAPD Z31, Z0
	ALLVALID

mxloop:
	CMPQ CX, $8
	JLT  mxtail
	VALID8(mxbody)

mxbody:
	VMOVAPD Z31, Z1
	VMOVUPD (SI), K2, Z1
	VMAXPD  Z1, Z0, Z0
	ADDQ    $64, SI
	SUBQ    $8, CX
	JMP     mxloop

mxtail:
	TESTQ CX, CX
	JZ    mxred
	TAILMASK(mxbits, mxnext, mxbitsdone)
	VMOVAPD Z31, Z1
	VMOVUPD (SI), K2, Z1
	VMAXPD  Z1, Z0, Z0

mxred:
	MAXRED
	VMOVSD X0, ret+24(FP)
	VZEROUPPER
	RET

// func lseExpSumAVX512(x *float64, valid *bool, n int, m float64) float64
TEXT ·lseExpSumAVX512(SB), NOSPLIT, $0-40
	MOVQ         x+0(FP), SI
	MOVQ         valid+8(FP), R8
	MOVQ         n+16(FP), CX
	VBROADCASTSD m+24(FP), Z29
	EXPCONST
	VPXORQ       Z30, Z30, Z30
	ALLVALID

esloop:
	CMPQ CX, $8
	JLT  estail
	VALID8(esbody)

esbody:
	VMOVUPD (SI), Z0
	VSUBPD  Z29, Z0, Z0
	EXP8(Z0, Z1, Z2, Z3, K1)
	VADDPD  Z3, Z30, K2, Z30
	ADDQ    $64, SI
	SUBQ    $8, CX
	JMP     esloop

estail:
	TESTQ     CX, CX
	JZ        esred
	TAILMASK(esbits, esnext, esbitsdone)
	VMOVUPD.Z (SI), K3, Z0
	VSUBPD    Z29, Z0, Z0
	EXP8(Z0, Z1, Z2, Z3, K1)
	VADDPD    Z3, Z30, K2, Z30

esred:
	SUMRED
	VMOVSD X0, ret+32(FP)
	VZEROUPPER
	RET

// func lseSumAVX512(x *float64, valid *bool, n int) float64
TEXT ·lseSumAVX512(SB), NOSPLIT, $0-32
	MOVQ   x+0(FP), SI
	MOVQ   valid+8(FP), R8
	MOVQ   n+16(FP), CX
	VPXORQ Z30, Z30, Z30
	ALLVALID

suloop:
	CMPQ CX, $8
	JLT  sutail
	VALID8(subody)

subody:
	VADDPD (SI), Z30, K2, Z30
	ADDQ   $64, SI
	SUBQ   $8, CX
	JMP    suloop

sutail:
	TESTQ     CX, CX
	JZ        sured
	TAILMASK(subits, sunext, subitsdone)
	VMOVUPD.Z (SI), K3, Z0
	VADDPD    Z0, Z30, K2, Z30

sured:
	SUMRED
	VMOVSD X0, ret+24(FP)
	VZEROUPPER
	RET

// func lseShiftAVX512(dst, x *float64, valid *bool, n int, c float64)
TEXT ·lseShiftAVX512(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         valid+16(FP), R8
	MOVQ         n+24(FP), CX
	VBROADCASTSD c+32(FP), Z29
	NEGINF
	ALLVALID

shloop:
	CMPQ CX, $8
	JLT  shtail
	VALID8(shbody)

shbody:
	VMOVAPD Z31, Z1
	VMOVUPD (SI), Z0
	VSUBPD  Z29, Z0, K2, Z1
	VMOVUPD Z1, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $8, CX
	JMP     shloop

shtail:
	TESTQ     CX, CX
	JZ        shdone
	TAILMASK(shbits, shnext, shbitsdone)
	VMOVUPD.Z (SI), K3, Z0
	VMOVAPD   Z31, Z1
	VSUBPD    Z29, Z0, K2, Z1
	VMOVUPD   Z1, K3, (DI)

shdone:
	VZEROUPPER
	RET

// func lseBackAVX512(xg, gp, o *float64, valid *bool, n int, s, c float64)
TEXT ·lseBackAVX512(SB), NOSPLIT, $0-56
	MOVQ         xg+0(FP), DI
	MOVQ         gp+8(FP), R11
	MOVQ         o+16(FP), SI
	MOVQ         valid+24(FP), R8
	MOVQ         n+32(FP), CX
	VBROADCASTSD s+40(FP), Z29
	VBROADCASTSD c+48(FP), Z8
	EXPCONST
	ALLVALID

bkloop:
	CMPQ CX, $8
	JLT  bktail
	VALID8(bkbody)

bkbody:
	VMOVUPD (SI), Z0
	VSUBPD  Z8, Z0, Z0
	EXP8(Z0, Z1, Z2, Z3, K1)
	VMULPD  Z29, Z3, Z3
	VMOVUPD (R11), Z4
	VSUBPD  Z3, Z4, Z4
	VADDPD  (DI), Z4, Z4
	VMOVUPD Z4, K2, (DI)
	ADDQ    $64, SI
	ADDQ    $64, R11
	ADDQ    $64, DI
	SUBQ    $8, CX
	JMP     bkloop

bktail:
	TESTQ     CX, CX
	JZ        bkdone
	TAILMASK(bkbits, bknext, bkbitsdone)
	VMOVUPD.Z (SI), K3, Z0
	VSUBPD    Z8, Z0, Z0
	EXP8(Z0, Z1, Z2, Z3, K1)
	VMULPD    Z29, Z3, Z3
	VMOVUPD.Z (R11), K3, Z4
	VSUBPD    Z3, Z4, Z4
	VMOVUPD.Z (DI), K3, Z6
	VADDPD    Z6, Z4, Z4
	VMOVUPD   Z4, K2, (DI)

bkdone:
	VZEROUPPER
	RET

// func lseExpWAVX512(dst, x *float64, valid *bool, n int, m, scale float64) float64
TEXT ·lseExpWAVX512(SB), NOSPLIT, $0-56
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         valid+16(FP), R8
	MOVQ         n+24(FP), CX
	VBROADCASTSD m+32(FP), Z29
	VBROADCASTSD scale+40(FP), Z9
	EXPCONST
	VPXORQ       Z30, Z30, Z30
	ALLVALID

ewloop:
	CMPQ CX, $8
	JLT  ewtail
	VALID8(ewbody)

ewbody:
	VMOVUPD   (SI), Z0
	VSUBPD    Z29, Z0, Z0
	VMULPD    Z9, Z0, Z0
	EXP8(Z0, Z1, Z2, Z3, K1)
	VMOVAPD.Z Z3, K2, Z3
	VADDPD    Z3, Z30, Z30
	VMOVUPD   Z3, (DI)
	ADDQ      $64, SI
	ADDQ      $64, DI
	SUBQ      $8, CX
	JMP       ewloop

ewtail:
	TESTQ     CX, CX
	JZ        ewred
	TAILMASK(ewbits, ewnext, ewbitsdone)
	VMOVUPD.Z (SI), K3, Z0
	VSUBPD    Z29, Z0, Z0
	VMULPD    Z9, Z0, Z0
	EXP8(Z0, Z1, Z2, Z3, K1)
	VMOVAPD.Z Z3, K2, Z3
	VADDPD    Z3, Z30, Z30
	VMOVUPD   Z3, K3, (DI)

ewred:
	SUMRED
	VMOVSD X0, ret+48(FP)
	VZEROUPPER
	RET
