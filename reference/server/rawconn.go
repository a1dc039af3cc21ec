package server

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"syscall"
	"unsafe"
)

// A WebSocket's reads and writes are non-blocking system calls on a
// non-blocking socket, waited for by the runtime's poller as usual. Made
// through net.Conn, each also tells the scheduler it may block
// (entersyscall), so that on a busy server the runtime's monitor keeps
// waking up to take processors back from calls that never block; made raw
// through syscall.RawConn, they cost what they cost in C.

// rawConn is the net.Conn under a WebSocket.
type rawConn struct {
	net.Conn
	rc syscall.RawConn
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
	return &rawConn{Conn: c, rc: rc}
}

func rawIO(trap, fd uintptr, p []byte) (int, syscall.Errno) {
	n, _, errno := syscall.RawSyscall(trap, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	return int(n), errno
}

func (c *rawConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var (
		n     int
		errno syscall.Errno
	)
	err := c.rc.Read(func(fd uintptr) bool {
		for {
			n, errno = rawIO(syscall.SYS_READ, fd, p)
			if errno != syscall.EINTR {
				return errno != syscall.EAGAIN
			}
		}
	})
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
	done := 0
	var errno syscall.Errno
	err := c.rc.Write(func(fd uintptr) bool {
		for done < len(p) {
			var n int
			n, errno = rawIO(syscall.SYS_WRITE, fd, p[done:])
			switch errno {
			case 0:
				done += n
			case syscall.EINTR:
			case syscall.EAGAIN:
				errno = 0
				return false // wait until writable, within the write deadline
			default:
				return true
			}
		}
		return true
	})
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
