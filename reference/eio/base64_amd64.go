//go:build amd64 && !purego

package eio

import "golang.org/x/sys/cpu"

// AVX2 base64 kernels (base64_amd64.s): 32 characters to 24 bytes and back
// per step, validating the standard alphabet as they go.

var useAVX2 = cpu.X86.HasAVX2

// decodeAVX2 decodes up to n blocks of 32 standard characters (no padding),
// stopping before the first block holding any other byte, and returns how
// many blocks it decoded. Each block writes 32 bytes at dst+24*i.
//
//go:noescape
func decodeAVX2(dst, src *byte, n int) int

// encodeAVX2 encodes n blocks of 24 bytes into 32 characters each. Each
// block reads 28 bytes at src+24*i.
//
//go:noescape
func encodeAVX2(dst, src *byte, n int)

func decodeBlocks(dst, src []byte) (si, di int) {
	n := min(len(src)/32, (len(dst)-8)/24)
	if !useAVX2 || n <= 0 {
		return 0, 0
	}
	done := decodeAVX2(&dst[0], &src[0], n)
	return done * 32, done * 24
}

func encodeBlocks(dst, src []byte) (si, di int) {
	n := (len(src) - 4) / 24
	if !useAVX2 || n <= 0 || len(dst) < n*32 {
		return 0, 0
	}
	encodeAVX2(&dst[0], &src[0], n)
	return n * 24, n * 32
}
