package freeport

import (
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
)

func TestPortsAreBelowTheEphemeralRangeAndDistinct(t *testing.T) {
	ports, err := GetN("127.0.0.1", 40)
	if err != nil {
		t.Fatal(err)
	}
	more, err := GetN("127.0.0.1", 40)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range append(ports, more...) {
		if p < low || p >= ephemeralLow() {
			t.Errorf("port %d is outside [%d, %d)", p, low, ephemeralLow())
		}
		if seen[p] {
			t.Errorf("port %d handed out twice", p)
		}
		seen[p] = true
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			t.Errorf("port %d cannot be bound: %v", p, err)
			continue
		}
		l.Close()
	}
}

func TestAPortInUseIsNotListenable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if listenable("127.0.0.1", l.Addr().(*net.TCPAddr).Port) {
		t.Error("a port with a listener counts as free")
	}
}

// TestAnotherProcessCannotClaimAHeldPort runs this test binary again as a
// second process, which must find the port this one holds taken.
func TestAnotherProcessCannotClaimAHeldPort(t *testing.T) {
	if p := os.Getenv("FREEPORT_TRY_CLAIM"); p != "" {
		port, _ := strconv.Atoi(p)
		if _, err := claim(port); err != errHeld {
			t.Fatalf("claim of a port another process holds: %v, want errHeld", err)
		}
		return
	}
	port, err := Get("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestAnotherProcessCannotClaimAHeldPort$")
	cmd.Env = append(os.Environ(), "FREEPORT_TRY_CLAIM="+strconv.Itoa(port))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("second process: %v\n%s", err, out)
	}
}
