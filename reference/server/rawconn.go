//go:build linux

package server

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"unsafe"
)

// A WebSocket's reads and writes are non-blocking system calls on a
// non-blocking socket, waited for by the runtime's poller as usual. Made
// through net.Conn, each also tells the scheduler it may block
// (entersyscall), so that on a busy server the runtime's monitor keeps
// waking up to take processors back from calls that never block; made raw
// through syscall.RawConn, they cost what they cost in C.

// rawConn is the net.Conn under a WebSocket. The functions handed to the
// RawConn are bound once, so that a read or a write allocates nothing; the
// mutexes guard the arguments and results they share (gorilla's control
// frames may be written while a data write waits).
type rawConn struct {
	net.Conn
	rc syscall.RawConn

	rmu    sync.Mutex
	rp     []byte
	rn     int
	rerr   syscall.Errno
	readFn func(fd uintptr) bool

	wmu     sync.Mutex
	wp      []byte
	wdone   int
	werr    syscall.Errno
	writeFn func(fd uintptr) bool
}

// asRawConn wraps a TCP connection; anything else (TLS) stays as it is.
func asRawConn(c net.Conn) net.Conn {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return c
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return c
	}
	r := &rawConn{Conn: c, rc: rc}
	r.readFn, r.writeFn = r.readOnce, r.writeSome
	return r
}

func rawIO(trap, fd uintptr, p []byte) (int, syscall.Errno) {
	n, _, errno := syscall.RawSyscall(trap, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	return int(n), errno
}

// readOnce reads into rp; false asks the poller to wait for data.
func (c *rawConn) readOnce(fd uintptr) bool {
	for {
		c.rn, c.rerr = rawIO(syscall.SYS_READ, fd, c.rp)
		if c.rerr != syscall.EINTR {
			return c.rerr != syscall.EAGAIN
		}
	}
}

// writeSome writes what is left of wp; false asks the poller to wait for
// room, within the write deadline.
func (c *rawConn) writeSome(fd uintptr) bool {
	for c.wdone < len(c.wp) {
		n, errno := rawIO(syscall.SYS_WRITE, fd, c.wp[c.wdone:])
		switch errno {
		case 0:
			c.wdone += n
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			c.werr = errno
			return true
		}
	}
	return true
}

func (c *rawConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c.rmu.Lock()
	defer c.rmu.Unlock()
	c.rp, c.rn, c.rerr = p, 0, 0
	err := c.rc.Read(c.readFn)
	n, errno := c.rn, c.rerr
	c.rp = nil
	switch {
	case err != nil:
		return 0, c.opError("read", err)
	case errno != 0:
		return 0, c.opError("read", errno)
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

func (c *rawConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.wp, c.wdone, c.werr = p, 0, 0
	err := c.rc.Write(c.writeFn)
	done, errno := c.wdone, c.werr
	c.wp = nil
	switch {
	case err != nil:
		return done, c.opError("write", err)
	case errno != 0:
		return done, c.opError("write", errno)
	}
	return done, nil
}

func (c *rawConn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}

// rawHijacker hands gorilla's Upgrade a rawConn.
type rawHijacker struct{ http.ResponseWriter }

func (h rawHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return conn, brw, err
	}
	return asRawConn(conn), brw, nil
}
