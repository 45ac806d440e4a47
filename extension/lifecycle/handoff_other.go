//go:build !unix

package lifecycle

// ListenInheritable is not supported off Unix.
func ListenInheritable(port int) (int, error) { return -1, ErrNoHandoff }

// Exec is not supported off Unix.
func Exec(path string, argv, env []string) error { return ErrNoHandoff }

// CloseFD does nothing off Unix.
func CloseFD(fd int) {}
