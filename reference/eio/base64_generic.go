//go:build !amd64 || purego

package eio

// useAVX2 is here so that tests can switch the kernels off on every platform.
var useAVX2 = false

func decodeBlocks(dst, src []byte) (si, di int) { return 0, 0 }

func encodeBlocks(dst, src []byte) (si, di int) { return 0, 0 }
