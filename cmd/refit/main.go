// Command refit builds storeseg's segmentation models and the lab tools around them.
//
// Usage:
//
//	refit <command> [flags]
//
// Run "refit help" for the list of commands and "refit <command> -h" for a command's flags.
// Exit codes: 0 success, 1 error, 2 usage error or (for "run") a model that failed its
// quality gate.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one refit subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout io.Writer) error
}

// commands lists every subcommand; each one's code lives in a file of its own name.
var commands = map[string]command{
	"generate": {summary: "write a synthetic store table with known archetypes", run: runGenerate},
	"famd":     {summary: "preprocess a store table and run FAMD on it (lab)", run: runFAMD},
	"cluster":  {summary: "HDBSCAN on a numeric table, e.g. the coordinates of refit famd (lab)", run: runCluster},
	"run":      {summary: "refit: snapshot → FAMD → HDBSCAN → forest → gate → artifacts, MLflow, publish", run: runRun},
}

// exitError carries a specific exit code out of a subcommand.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err == nil {
		return
	}
	code := 1
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if errors.Is(err, flag.ErrHelp) {
		code = 0
	} else {
		fmt.Fprintln(os.Stderr, "refit:", err)
	}
	os.Exit(code)
}

// run dispatches args to a subcommand.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return &exitError{code: 2, err: errors.New("no command given")}
		}
		return nil
	}
	c, ok := commands[args[0]]
	if !ok {
		usage(os.Stderr)
		return &exitError{code: 2, err: fmt.Errorf("unknown command %q", args[0])}
	}
	return c.run(ctx, args[1:], stdout)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: refit <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}

// newFlagSet returns a flag set for a subcommand that reports errors instead of exiting.
func newFlagSet(name string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("refit "+name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	return fs
}

// usageError marks bad flags or arguments (exit code 2).
func usageError(format string, a ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, a...)}
}
