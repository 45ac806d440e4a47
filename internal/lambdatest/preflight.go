package lambdatest

import (
	"fmt"
	"os/exec"
)

// CheckMountNamespace reports whether this process may run a function with a layer
// (Options.Opt): it starts a trivial process in the private PID and mount namespaces
// Start would use. It fails with ErrNoMountNamespace where the kernel or a sandbox
// refuses them — as a user other than root, or in a container without
// CAP_SYS_ADMIN — so a caller can say so before building anything.
func CheckMountNamespace() error {
	if !namespacesSupported {
		return fmt.Errorf("%w (namespaces exist only on Linux)", ErrNoMountNamespace)
	}
	cmd := exec.Command("/bin/sh", "-c", ":")
	cmd.SysProcAttr = sysProcAttr(true, true)
	if err := cmd.Run(); err != nil {
		if namespaceRefused(err) {
			return fmt.Errorf("%w: %w", ErrNoMountNamespace, err)
		}
		return fmt.Errorf("check mount namespaces: %w", err)
	}
	return nil
}
