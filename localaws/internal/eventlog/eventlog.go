// Package eventlog keeps the events localaws's services would have sent to
// Amazon EventBridge: parameter-policy actions and rotation steps. There is no
// event bus offline, so they are recorded for GET /_localaws/events instead.
//
// The envelope is EventBridge's
// (https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html).
package eventlog

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/paramsecrets/paramsecrets/localaws/internal/ids"
)

// Event is one event as an EventBridge rule target receives it.
type Event struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// New builds an event; detail is marshalled as the event's detail object.
func New(source, detailType, account, region string, at time.Time, resources []string, detail any) Event {
	raw, err := json.Marshal(detail)
	if err != nil {
		raw = []byte("{}")
	}
	if resources == nil {
		resources = []string{}
	}
	return Event{
		Version: "0", ID: newID(), DetailType: detailType, Source: source,
		Account: account, Region: region, Time: at.UTC().Format(time.RFC3339),
		Resources: resources, Detail: raw,
	}
}

func newID() string { return ids.UUID() }

// Capacity bounds the log: a long-running server keeps the newest events.
const Capacity = 10000

// Log is an append-only, bounded list of events, safe for concurrent use.
type Log struct {
	mu     sync.Mutex
	events []Event
}

// Add appends an event, dropping the oldest past Capacity.
func (l *Log) Add(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
	if over := len(l.events) - Capacity; over > 0 {
		l.events = append([]Event(nil), l.events[over:]...)
	}
}

// List returns the events in the order they happened.
func (l *Log) List() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Event{}, l.events...)
}

// Reset forgets every event.
func (l *Log) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = nil
}
