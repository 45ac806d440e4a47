package lambdatest

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/paramsecrets/paramsecrets/internal/freeport"
)

// environment builds the emulator's environment: the defaults, then
// Options.Env, later entries replacing earlier ones with the same key.
func environment(boot string, opts Options) []string {
	path := os.Getenv("PATH")
	if path == "" {
		path = "/usr/local/bin:/usr/bin:/bin"
	}
	secs := int(math.Ceil(opts.Timeout.Seconds()))
	env := []string{
		"PATH=" + path,
		"TZ=:UTC",
		"AWS_REGION=" + Region,
		"AWS_DEFAULT_REGION=" + Region,
		"AWS_ACCESS_KEY_ID=" + AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + SecretAccessKey,
		"AWS_SESSION_TOKEN=" + SessionToken,
		"AWS_LAMBDA_FUNCTION_TIMEOUT=" + strconv.Itoa(secs),
		"LAMBDA_TASK_ROOT=" + filepath.Dir(boot),
	}
	env = append(env, opts.Env...)
	seen := make(map[string]int, len(env))
	out := make([]string, 0, len(env))
	for _, kv := range env {
		key, _, _ := strings.Cut(kv, "=")
		if i, ok := seen[key]; ok {
			out[i] = kv
			continue
		}
		seen[key] = len(out)
		out = append(out, kv)
	}
	return out
}

// command returns the emulator command line. With opt or task set, a shell
// first mounts them read-only, as Lambda mounts layers and the function
// code, at /opt and /var/task, and hosts over /etc/hosts (inside the
// namespace sysProcAttr creates, so the host sees nothing), and then execs
// the emulator in its place.
func command(rie string, args []string, opt, task, hosts string) *exec.Cmd {
	if opt == "" && task == "" && hosts == "" {
		return exec.Command(rie, args...)
	}
	script := `fail() { echo "lambdatest: $*" >&2; exit ` + strconv.Itoa(exitBindFailed) + `; }
if [ -n "$1" ]; then
	{ mount --bind "$1" /opt && mount -o remount,bind,ro /opt; } || fail "cannot bind $1 at /opt"
fi
if [ -n "$2" ]; then
	[ -d /var/task ] || { mount -t tmpfs -o mode=0755 lambdatest-var /var && mkdir /var/task; } ||
		fail "cannot make /var/task"
	{ mount --bind "$2" /var/task && mount -o remount,bind,ro /var/task; } || fail "cannot bind $2 at /var/task"
fi
if [ -n "$3" ]; then
	{ mount --bind "$3" /etc/hosts && mount -o remount,bind,ro /etc/hosts; } || fail "cannot bind $3 at /etc/hosts"
fi
shift 3
exec "$@"`
	return exec.Command("/bin/sh", append([]string{"-c", script, "lambdatest-mounts", opt, task, hosts, rie}, args...)...)
}

// FreePort returns a loopback TCP port claimed for this process, for a
// function's own listener. The function shares the test's network (only
// the PID and mount namespaces are private), so two functions running an
// extension on its default port would collide: give each its own, e.g.
// PARAMETERS_SECRETS_EXTENSION_HTTP_PORT. Servers the test starts on
// 127.0.0.1 (localaws, databases) are reachable from the function.
func FreePort() (int, error) {
	ports, err := freePorts(1)
	if err != nil {
		return 0, err
	}
	return ports[0], nil
}

// freePorts returns n distinct loopback ports, claimed for this process
// (see internal/freeport: below the ephemeral range, locked machine-wide).
func freePorts(n int) ([]int, error) {
	ports, err := freeport.GetN("127.0.0.1", n)
	if err != nil {
		return nil, fmt.Errorf("find a free port: %w", err)
	}
	return ports, nil
}
