// Command siotest tests Engine.IO / Socket.IO servers for protocol
// conformance, fuzzes them, and decodes and encodes their wire format.
//
// Exit status: 0 when no check failed, 1 when one did (or the input was
// invalid), 2 for usage errors and an unreachable target.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// exitError carries an exit status and a one-line message.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// usageErr is a usage or configuration error (exit 2).
func usageErr(format string, a ...any) error {
	return &exitError{code: 2, msg: fmt.Sprintf(format, a...)}
}

// failErr is a check or input failure (exit 1).
func failErr(format string, a ...any) error {
	return &exitError{code: 1, msg: fmt.Sprintf(format, a...)}
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "siotest",
		Short: "Conformance tests and fuzzing for Engine.IO / Socket.IO servers",
		Long: `siotest checks that an Engine.IO / Socket.IO server speaks the protocol,
rule by rule, over real HTTP long-polling and WebSocket connections.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr("%v", err) })
	root.AddCommand(newVersionCmd(), newDecodeCmd(), newEncodeCmd(), newServeCmd(), newRunCmd(), newRulesCmd(), newFuzzCmd(), newReplayCmd())
	root.AddCommand(newMatrixCmd(), newMatrixWorkerCmd())
	root.AddCommand(newClientTestCmd())
	return root
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes the CLI and maps errors to exit statuses; it never panics
// on user input.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		fmt.Fprintln(stderr, "siotest: "+ee.msg)
		return ee.code
	}
	// Cobra's own errors (unknown command, bad arguments) are usage errors.
	fmt.Fprintln(stderr, "siotest: "+err.Error())
	return 2
}
