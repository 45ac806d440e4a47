package testdb

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// account is the OS user a server process runs as. A nil *account means "the
// current user" (the test is not running as root).
type account struct {
	name     string
	uid, gid uint32
}

// credential returns the SysProcAttr credential for a, or nil for the current user.
func (a *account) credential() *syscall.Credential {
	if a == nil {
		return nil
	}
	// Groups empty: drop root's supplementary groups in the child.
	return &syscall.Credential{Uid: a.uid, Gid: a.gid, Groups: []uint32{}}
}

// chown gives path to a; a no-op for the current user.
func (a *account) chown(path string) error {
	if a == nil {
		return nil
	}
	if err := os.Chown(path, int(a.uid), int(a.gid)); err != nil {
		return fmt.Errorf("testdb: chown %s to %s: %w", path, a.name, err)
	}
	return nil
}

// serverAccount returns the account to run a server as: name when the test
// runs as root (PostgreSQL refuses to run as root), else nil.
func serverAccount(name string) (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("testdb: look up system user %q (created by the server's Debian package): %w", name, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("testdb: parse uid of %q: %w", name, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("testdb: parse gid of %q: %w", name, err)
	}
	return &account{name: name, uid: uint32(uid), gid: uint32(gid)}, nil
}

// makeRoot creates the server's private temp dir. It is mode 0711 so a
// server running as another user can reach the subdirectories it owns, but
// cannot list the directory. The base is os.TempDir() unless some ancestor of
// it is not traversable by others (TMPDIR under /root, say), then /tmp.
func makeRoot(prefix string) (string, error) {
	base := os.TempDir()
	// Unix socket paths are limited to 107 bytes; the socket sits two levels
	// below base (.../testdb-mariadb-NNNNNNNNNN/mysqld.sock).
	if !traversable(base) || len(base) > 64 {
		base = "/tmp"
	}
	removeOrphans(base)
	dir, err := os.MkdirTemp(base, prefix)
	if err != nil {
		return "", fmt.Errorf("testdb: create temp dir: %w", err)
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("testdb: chmod temp dir: %w", err)
	}
	owner := []byte(strconv.Itoa(os.Getpid()))
	if err := os.WriteFile(filepath.Join(dir, ownerFile), owner, 0o644); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("testdb: write %s: %w", ownerFile, err)
	}
	return dir, nil
}

// ownerFile in each temp dir holds the pid of the test process that made it.
const ownerFile = "owner.pid"

// removeOrphans deletes temp dirs left by test processes that died before
// Close (their servers died with them, by Pdeathsig). A dir without a
// readable owner is left alone: it may be one being created right now.
func removeOrphans(base string) {
	dirs, _ := filepath.Glob(filepath.Join(base, "testdb-*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, ownerFile))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(string(b))
		if err != nil || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			os.RemoveAll(d)
		}
	}
}

// traversable reports whether every directory from / down to dir can be
// searched by any user.
func traversable(dir string) bool {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for {
		st, err := os.Stat(dir)
		if err != nil || st.Mode().Perm()&0o001 == 0 {
			return false
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return true
		}
		dir = parent
	}
}

// mkdirOwned creates dir with mode 0700 and gives it to a.
func mkdirOwned(dir string, a *account) error {
	if err := os.Mkdir(dir, 0o700); err != nil {
		return fmt.Errorf("testdb: create %s: %w", dir, err)
	}
	return a.chown(dir)
}

// writeOwned writes a file with the given mode and gives it to a.
func writeOwned(path string, data []byte, mode os.FileMode, a *account) error {
	if err := os.WriteFile(path, data, mode); err != nil {
		return fmt.Errorf("testdb: write %s: %w", path, err)
	}
	return a.chown(path)
}
