// The vectorised exponential expm (attention_kernels.go) shared by the
// AVX-512 kernels of softmax_amd64.s and logsoftmax_amd64.s.

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
