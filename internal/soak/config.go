package soak

import (
	"fmt"
	"io"
	"time"

	"github.com/paramsecrets/paramsecrets/internal/demo/sandbox"
)

// Kind is one fault of the schedule.
type Kind string

// The faults. Each is injected while the application's traffic runs, and each
// is followed by a clean rotation of the same rotator.
const (
	// RestartDuringSet restarts the rotator's database while setSecret runs.
	RestartDuringSet Kind = "restart-during-setSecret"
	// CutDuringSet and CutDuringTest take the rotation functions' path to
	// the database away (the proxy resets and refuses their connections) for
	// the length of that step, and give it back.
	CutDuringSet  Kind = "cut-during-setSecret"
	CutDuringTest Kind = "cut-during-testSecret"
	// KillAfterCreate … KillAfterFinish kill the rotator's process once that
	// step has done its work, as a crash would; RotateSecret is then retried
	// with the same token in a new execution environment.
	KillAfterCreate Kind = "kill-after-createSecret"
	KillAfterSet    Kind = "kill-after-setSecret"
	KillAfterTest   Kind = "kill-after-testSecret"
	KillAfterFinish Kind = "kill-after-finishSecret"
	// ThrottleRotation and ErrorsRotation make Secrets Manager throttle
	// (ThrottlingException) or fail (500 InternalServiceError) the calls a
	// rotation makes: three in a row on DescribeSecret, so that the first
	// step fails after the SDK's retries, and one on each write.
	ThrottleRotation Kind = "throttle-during-rotation"
	ErrorsRotation   Kind = "5xx-during-rotation"
	// ThrottleReads and ErrorsReads do the same to the extension's reads
	// (GetSecretValue), six calls in a row, between rotations.
	ThrottleReads Kind = "throttle-during-reads"
	ErrorsReads   Kind = "5xx-during-reads"
	// HangReads makes Secrets Manager hold the extension's next three reads
	// without answering.
	HangReads Kind = "upstream-hangs"
)

// AllKinds lists every fault, in the order a cycle injects them.
func AllKinds() []Kind {
	return []Kind{
		RestartDuringSet, CutDuringSet, CutDuringTest,
		KillAfterCreate, KillAfterSet, KillAfterTest, KillAfterFinish,
		ThrottleRotation, ErrorsRotation, ThrottleReads, ErrorsReads, HangReads,
	}
}

// rotates reports whether the fault is injected into a rotation (else it is
// injected between rotations, into the application's reads).
func (k Kind) rotates() bool { return k != ThrottleReads && k != ErrorsReads && k != HangReads }

// Plan maps each rotator (sandbox.Rotator.Name) to the faults injected into
// its rotations, in order.
type Plan map[string][]Kind

// EachKindOnce gives every fault to one rotator, in turn: the short run.
func EachKindOnce() Plan {
	p := Plan{}
	rs := sandbox.Rotators()
	for i, k := range AllKinds() {
		p[rs[i%len(rs)].Name] = append(p[rs[i%len(rs)].Name], k)
	}
	return p
}

// EveryKindOnEveryRotator gives every fault to every rotator: the soak.
func EveryKindOnEveryRotator() Plan {
	p := Plan{}
	for _, r := range sandbox.Rotators() {
		p[r.Name] = AllKinds()
	}
	return p
}

// Config is one run.
type Config struct {
	// Plan is the fault schedule. Between two faults every rotator makes a
	// clean rotation.
	Plan Plan
	// Duration, if set, keeps the run going until it has passed: rotations
	// go on back to back and the plan starts over.
	Duration time.Duration
	// MinRotations is the least number of rotations each rotator makes.
	MinRotations int
	// TTL is the extension's SECRETS_MANAGER_TTL; rotations of one secret are
	// at least TTL + 2 s apart (see interval). Whole seconds, at least 1.
	TTL time.Duration
	// Workers is the number of application workers per secret, each reading
	// its credential through the extension, logging in and querying in a
	// loop, Pace apart.
	Workers int
	Pace    time.Duration
	// ProbeEvery is how often the prober checks each secret's staged
	// credentials, besides after every rotation step.
	ProbeEvery time.Duration
	// Progress, if set, receives a line per rotation and fault.
	Progress io.Writer
	// LogDir, if set, receives every log of the run (extension, localaws,
	// application, each rotator environment, the databases), once the scan
	// has found no password in it.
	LogDir string
}

// withDefaults fills in what c leaves zero and checks the rest.
func (c Config) withDefaults() (Config, error) {
	if c.Plan == nil {
		c.Plan = EachKindOnce()
	}
	if c.TTL == 0 {
		c.TTL = 2 * time.Second
	}
	if c.Workers == 0 {
		c.Workers = 2
	}
	if c.Pace == 0 {
		c.Pace = 50 * time.Millisecond
	}
	if c.ProbeEvery == 0 {
		c.ProbeEvery = 200 * time.Millisecond
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	switch {
	case c.TTL < time.Second || c.TTL%time.Second != 0:
		return c, fmt.Errorf("soak: TTL %s: want whole seconds, at least 1", c.TTL)
	case c.Workers < 1 || c.Pace < 0 || c.MinRotations < 0 || c.Duration < 0:
		return c, fmt.Errorf("soak: workers %d, pace %s, rotations %d, duration %s: none may be negative, workers at least 1",
			c.Workers, c.Pace, c.MinRotations, c.Duration)
	}
	for name, kinds := range c.Plan {
		if _, ok := rotatorNamed(name); !ok {
			return c, fmt.Errorf("soak: plan names %q, not a rotator", name)
		}
		for _, k := range kinds {
			if !knownKind(k) {
				return c, fmt.Errorf("soak: plan gives %s the unknown fault %q", name, k)
			}
		}
	}
	return c, nil
}

// interval is the least time between two rotations of one secret, and between
// a fault on the reads and the next rotation: longer than the TTL, as in real
// life, so that no cache still holds the credential a rotation is about to
// change (alternating users: the one before AWSPREVIOUS). The two seconds on
// top cover a worker that read its credential just before the cache entry
// expired and is slow to log in with it on a loaded machine.
func (c Config) interval() time.Duration { return c.TTL + 2*time.Second }

func knownKind(k Kind) bool {
	for _, known := range AllKinds() {
		if k == known {
			return true
		}
	}
	return false
}

func rotatorNamed(name string) (sandbox.Rotator, bool) {
	for _, r := range sandbox.Rotators() {
		if r.Name == name {
			return r, true
		}
	}
	return sandbox.Rotator{}, false
}
