//go:build !purego

#include "textflag.h"

// AVX-512 product kernel of Attention; attention_kernels.go defines it in
// Go (mulRowsGo) and explains why the results are the same to the bit:
// every product is summed with VFMADD231PD in the order of the Go loop's
// math.FMA calls. The exponential and the softmax are in softmax_amd64.s.

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

// func transposeAVX512(dst, x *float64, rows, cols int, idx *int64, step int, s float64)
// sets dst[c·rows + j] = s·x[j·ldx + c] for c < cols, j < rows: for each
// column c, the rows are gathered eight at a time (idx holds l·ldx for the
// lanes l, step is 64·ldx, the bytes between blocks of eight rows), scaled
// and stored contiguously, the last block masked.
TEXT ·transposeAVX512(SB), NOSPLIT, $0-56
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), R10
	MOVQ         rows+16(FP), R8
	MOVQ         cols+24(FP), R9
	MOVQ         idx+32(FP), AX
	VMOVDQU64    (AX), Z7
	MOVQ         step+40(FP), DX
	VBROADCASTSD s+48(FP), Z6

trcol:
	MOVQ R10, R11
	MOVQ R8, CX

trrows:
	CMPQ       CX, $8
	JLT        trtail
	KXNORW     K4, K4, K4
	VGATHERQPD (R11)(Z7*8), K4, Z0
	VMULPD     Z6, Z0, Z0
	VMOVUPD    Z0, (DI)
	ADDQ       $64, DI
	ADDQ       DX, R11
	SUBQ       $8, CX
	JMP        trrows

trtail:
	TESTQ      CX, CX
	JZ         trnext
	MOVQ       $1, AX
	SHLQ       CX, AX
	DECQ       AX
	KMOVW      AX, K4
	KMOVW      AX, K5
	VPXORQ     Z0, Z0, Z0
	VGATHERQPD (R11)(Z7*8), K4, Z0
	VMULPD     Z6, Z0, Z0
	VMOVUPD    Z0, K5, (DI)
	LEAQ       (DI)(CX*8), DI

trnext:
	ADDQ $8, R10
	DECQ R9
	JNZ  trcol
	VZEROUPPER
	RET
