package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Metrics finds the Embedded Metric Format document the extension prints
// when it stops (SHUTDOWN, or SIGTERM standalone) in its logs and returns its
// numeric values: CacheHits, CacheMisses, UpstreamCalls, Errors, ...
func Metrics(logs string) (map[string]float64, error) {
	for _, line := range strings.Split(logs, "\n") {
		i := strings.Index(line, `{"_aws"`)
		if i < 0 {
			continue
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(line[i:]), &doc); err != nil {
			return nil, fmt.Errorf("extension metrics line: %w", err)
		}
		m := map[string]float64{}
		for k, v := range doc {
			if f, ok := v.(float64); ok {
				m[k] = f
			}
		}
		return m, nil
	}
	return nil, errors.New("the extension printed no metrics (EMF) line at SHUTDOWN")
}
