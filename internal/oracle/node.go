package oracle

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// Node is a running fixtures/node/oracle.js process. Calls are serialised.
type Node struct {
	mu      sync.Mutex
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	lines   chan []byte
	timeout time.Duration
}

// ErrNoNode means the Node oracle cannot be started here (no node binary or
// no installed packages); callers skip rather than fail.
var ErrNoNode = errors.New("oracle: node or fixtures/node/node_modules not available")

// RepoRoot finds the siotest checkout from the working directory upwards.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "fixtures", "node", "oracle.js")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("oracle: not inside a siotest checkout")
		}
		dir = parent
	}
}

// StartNode starts the Node oracle. Every call answers within timeout or
// fails.
func StartNode(timeout time.Duration) (*Node, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, ErrNoNode
	}
	if _, err := os.Stat(filepath.Join(root, "fixtures", "node", "node_modules", "socket.io-parser")); err != nil {
		return nil, ErrNoNode
	}
	cmd := exec.Command(node, "--stack-size=4000", filepath.Join(root, "fixtures", "node", "oracle.js"))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	n := &Node{cmd: cmd, stdin: stdin, lines: make(chan []byte, 1), timeout: timeout}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			n.lines <- append([]byte(nil), sc.Bytes()...)
		}
		close(n.lines)
	}()
	if _, err := n.Call(&Request{Op: "ping"}); err != nil {
		n.Close()
		return nil, err
	}
	return n, nil
}

// Call sends one request and waits for its answer.
func (n *Node) Call(req *Request) (Response, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	line, err := json.Marshal(req)
	if err != nil {
		return Response{}, err
	}
	if _, err := n.stdin.Write(append(line, '\n')); err != nil {
		return Response{}, fmt.Errorf("oracle: write: %w", err)
	}
	select {
	case out, ok := <-n.lines:
		if !ok {
			return Response{}, errors.New("oracle: node process exited")
		}
		var resp Response
		if err := json.Unmarshal(out, &resp); err != nil {
			return Response{}, fmt.Errorf("oracle: bad answer %q: %w", out, err)
		}
		return resp, nil
	case <-time.After(n.timeout):
		n.cmd.Process.Kill()
		return Response{}, fmt.Errorf("oracle: no answer within %v", n.timeout)
	}
}

// Close stops the process.
func (n *Node) Close() error {
	n.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- n.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		n.cmd.Process.Kill()
		return <-done
	}
}
