//go:build amd64 && !purego

#include "textflag.h"

// Decoding: a byte is a standard base64 character when the bit sets picked
// by its low nibble (declo) and high nibble (dechi) do not meet; its value is
// the byte plus an offset picked by its high nibble (decroll), with "/"
// moved down one slot. Two multiply-adds pack four 6-bit values into 24 bits,
// a shuffle and a permutation make the 24 bytes contiguous.

// func decodeAVX2(dst, src *byte, n int) int
TEXT ·decodeAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX
	VMOVDQU declo<>(SB), Y10
	VMOVDQU dechi<>(SB), Y11
	VMOVDQU decroll<>(SB), Y12
	VMOVDQU nibble<>(SB), Y13
	VMOVDQU slash<>(SB), Y14
	VMOVDQU decmadd1<>(SB), Y6
	VMOVDQU decmadd2<>(SB), Y9
	VMOVDQU decshuf<>(SB), Y8
	VMOVDQU decperm<>(SB), Y7

decloop:
	CMPQ AX, CX
	JEQ decdone
	VMOVDQU (SI), Y0
	VPSRLD $4, Y0, Y1
	VPAND Y13, Y1, Y1
	VPAND Y13, Y0, Y2
	VPSHUFB Y2, Y10, Y3
	VPSHUFB Y1, Y11, Y4
	VPTEST Y3, Y4
	JNZ decdone
	VPCMPEQB Y14, Y0, Y5
	VPADDB Y5, Y1, Y5
	VPSHUFB Y5, Y12, Y5
	VPADDB Y5, Y0, Y0
	VPMADDUBSW Y6, Y0, Y0
	VPMADDWD Y9, Y0, Y0
	VPSHUFB Y8, Y0, Y0
	VPERMD Y0, Y7, Y0
	VMOVDQU Y0, (DI)
	ADDQ $32, SI
	ADDQ $24, DI
	INCQ AX
	JMP decloop

decdone:
	VZEROUPPER
	MOVQ AX, ret+24(FP)
	RET

// Encoding: each 3 bytes a, b, c go to a 32-bit lane as b a c b; masks and
// 16-bit multiplies move the four 6-bit fields into the four bytes, and a
// lookup by range (A-Z, a-z, 0-9, +, /) adds the offset to ASCII.

// func encodeAVX2(dst, src *byte, n int)
TEXT ·encodeAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VMOVDQU encshuf<>(SB), Y8
	VMOVDQU encmask1<>(SB), Y9
	VMOVDQU encmul1<>(SB), Y10
	VMOVDQU encmask2<>(SB), Y11
	VMOVDQU encmul2<>(SB), Y12
	VMOVDQU enc51<>(SB), Y3
	VMOVDQU enc26<>(SB), Y4
	VMOVDQU enc13<>(SB), Y5
	VMOVDQU enclut<>(SB), Y7

encloop:
	TESTQ CX, CX
	JZ encdone
	VMOVDQU (SI), X0
	VINSERTI128 $1, 12(SI), Y0, Y0
	VPSHUFB Y8, Y0, Y0
	VPAND Y9, Y0, Y1
	VPMULHUW Y10, Y1, Y1
	VPAND Y11, Y0, Y2
	VPMULLW Y12, Y2, Y2
	VPOR Y1, Y2, Y0
	VPSUBUSB Y3, Y0, Y1
	VPCMPGTB Y0, Y4, Y2
	VPAND Y5, Y2, Y2
	VPOR Y2, Y1, Y1
	VPSHUFB Y1, Y7, Y1
	VPADDB Y1, Y0, Y0
	VMOVDQU Y0, (DI)
	ADDQ $24, SI
	ADDQ $32, DI
	DECQ CX
	JMP encloop

encdone:
	VZEROUPPER
	RET

#define SPLAT(name, q) \
	DATA name+0(SB)/8, q \
	DATA name+8(SB)/8, q \
	DATA name+16(SB)/8, q \
	DATA name+24(SB)/8, q \
	GLOBL name(SB), RODATA|NOPTR, $32

#define LANES(name, q0, q1) \
	DATA name+0(SB)/8, q0 \
	DATA name+8(SB)/8, q1 \
	DATA name+16(SB)/8, q0 \
	DATA name+24(SB)/8, q1 \
	GLOBL name(SB), RODATA|NOPTR, $32

// Invalid when declo[low nibble] & dechi[high nibble] != 0. Bits: 0x01 high
// nibble 0, 1 or 8-f; 0x02 "+/" row (only b, f valid); 0x04 digit row (a-f
// invalid); 0x08 "@A-O" and "`a-o" rows (0 invalid); 0x10 "P-Z[" and "p-z{"
// rows (b-f invalid).
LANES(declo<>, $0x030303030303030B, $0x1517171715070303)
LANES(dechi<>, $0x1008100804020101, $0x0101010101010101)
// Offsets by high nibble: 1 "/" +16, 2 "+" +19, 3 digits +4, 4-5 -65, 6-7 -71.
LANES(decroll<>, $0xB9B9BFBF04131000, $0x0000000000000000)
SPLAT(nibble<>, $0x0f0f0f0f0f0f0f0f)
SPLAT(slash<>, $0x2f2f2f2f2f2f2f2f)
SPLAT(decmadd1<>, $0x0140014001400140)
SPLAT(decmadd2<>, $0x0001100000011000)
LANES(decshuf<>, $0x090A040506000102, $0xFFFFFFFF0C0D0E08)
DATA decperm<>+0(SB)/8, $0x0000000100000000
DATA decperm<>+8(SB)/8, $0x0000000400000002
DATA decperm<>+16(SB)/8, $0x0000000600000005
DATA decperm<>+24(SB)/8, $0x0000000700000003
GLOBL decperm<>(SB), RODATA|NOPTR, $32

LANES(encshuf<>, $0x0405030401020001, $0x0A0B090A07080607)
SPLAT(encmask1<>, $0x0fc0fc000fc0fc00)
SPLAT(encmul1<>, $0x0400004004000040)
SPLAT(encmask2<>, $0x003f03f0003f03f0)
SPLAT(encmul2<>, $0x0100001001000010)
SPLAT(enc51<>, $0x3333333333333333)
SPLAT(enc26<>, $0x1a1a1a1a1a1a1a1a)
SPLAT(enc13<>, $0x0d0d0d0d0d0d0d0d)
// Offsets by range: 0 a-z +71, 1-10 digits -4, 11 "+" -19, 12 "/" -16, 13 A-Z +65.
LANES(enclut<>, $0xFCFCFCFCFCFCFC47, $0x000041F0EDFCFCFC)
