package sandbox

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-lambda-go/events"
)

// Steps are the rotation steps in the order Secrets Manager invokes them,
// which is also the order of the recorded events.
func Steps() []string { return []string{"createSecret", "setSecret", "testSecret", "finishSecret"} }

// LoadRotationEvents reads events/<r.Name>/<step>.json under root (the
// repository) for the four steps, in order.
func LoadRotationEvents(root string, r Rotator) ([]events.SecretsManagerSecretRotationEvent, error) {
	return LoadRotationEventsIn(root, r.Name)
}

// LoadRotationEventsIn reads events/<dir>/<step>.json under root for the four
// steps, in order (RDSEventsDir, say).
func LoadRotationEventsIn(root, dir string) ([]events.SecretsManagerSecretRotationEvent, error) {
	var evs []events.SecretsManagerSecretRotationEvent
	for _, step := range Steps() {
		path := filepath.Join(root, "events", dir, step+".json")
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("recorded event: %w", err)
		}
		var ev events.SecretsManagerSecretRotationEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("recorded event %s: %w", path, err)
		}
		evs = append(evs, ev)
	}
	return evs, nil
}
