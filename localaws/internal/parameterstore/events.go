package parameterstore

import (
	"github.com/paramsecrets/paramsecrets/localaws/internal/eventlog"
)

// What Parameter Store sends to EventBridge (source aws.ssm), from "Setting
// up notifications or trigger actions based on Parameter Store events"
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-cwe.html):
// "Parameter Store Change" for a create, update, delete or label move, and
// "Parameter Store Policy Action" for a policy that acted.

type changeDetail struct {
	Operation   string `json:"operation"`
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description,omitempty"`
	DataType    string `json:"dataType,omitempty"`
	Exception   string `json:"exception,omitempty"`
}

type policyDetail struct {
	ParameterName string `json:"parameter-name"`
	ParameterType string `json:"parameter-type"`
	PolicyType    string `json:"policy-type"`
	PolicyContent string `json:"policy-content"`
	ActionStatus  string `json:"action-status"`
	ActionReason  string `json:"action-reason"`
}

// emitChange records a Parameter Store Change event; exception is set for
// a change that failed. The caller holds s.mu.
func (s *Store) emitChange(v *version, operation, exception string) {
	if s.events == nil {
		return
	}
	d := changeDetail{Operation: operation, Name: v.name, Type: v.typ, Description: v.description, Exception: exception}
	if v.dataType != dataTypeText {
		d.DataType = v.dataType
	}
	s.events(eventlog.New("aws.ssm", "Parameter Store Change", s.accountID, s.region, s.now(), []string{s.arn(v.name)}, d))
}

// emitPolicy records a Parameter Store Policy Action event. The caller holds
// s.mu.
func (s *Store) emitPolicy(v *version, p policy, reason string) {
	if s.events == nil {
		return
	}
	d := policyDetail{ParameterName: v.name, ParameterType: v.typ, PolicyType: p.typ, PolicyContent: p.text,
		ActionStatus: "Finished", ActionReason: reason}
	s.events(eventlog.New("aws.ssm", "Parameter Store Policy Action", s.accountID, s.region, s.now(), []string{s.arn(v.name)}, d))
}
