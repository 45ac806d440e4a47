package main

import (
	"bufio"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// TestCommandServesSeedAndStopsOnSIGTERM runs the built command the way a
// script does: port 0, the example seed, read the printed address, call it,
// stop it with SIGTERM.
func TestCommandServesSeedAndStopsOnSIGTERM(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "localaws")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-seed", "../../testdata/seed.json")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("read address: %v (stderr: %s)", err, stderr.String())
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "localaws listening on ")
	if !ok {
		t.Fatalf("first line = %q", line)
	}
	c := secretsmanager.NewFromConfig(aws.Config{
		Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("a", "b", ""),
	}, func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(url) })
	out, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("demo/db")})
	if err != nil || !strings.Contains(aws.ToString(out.SecretString), `"username":"app"`) {
		t.Fatalf("GetSecretValue demo/db: %v", err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v (stderr: %s)", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "change-me") {
		t.Errorf("the command logged a secret value")
	}
}

func TestCommandRejectsBadSeed(t *testing.T) {
	err := run([]string{"-addr", "127.0.0.1:0", "-seed", filepath.Join(t.TempDir(), "missing.json")})
	if err == nil || !strings.Contains(err.Error(), "seed") {
		t.Errorf("run with a missing seed: %v", err)
	}
}

// TestHelpExitsZero: -h prints the flags and is not an error, so scripts
// can show the usage.
func TestHelpExitsZero(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "localaws")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, flagName := range []string{"-h", "-help", "--help"} {
		out, err := exec.Command(bin, flagName).CombinedOutput()
		if err != nil {
			t.Errorf("localaws %s: %v\n%s", flagName, err, out)
		}
		if !strings.Contains(string(out), "-addr") || !strings.Contains(string(out), "-seed") {
			t.Errorf("localaws %s printed %q, want the flags", flagName, out)
		}
	}
	if err := exec.Command(bin, "-no-such-flag").Run(); err == nil {
		t.Error("an unknown flag exited 0")
	}
}
