package parameterstore

import (
	"strings"
	"time"
)

// Service settings
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetServiceSetting.html):
// an account and Region keeps a value per setting, the default until
// UpdateServiceSetting customizes it and ResetServiceSetting puts the
// default back. Parameter Store's two are served: its throughput setting,
// and the default tier a PutParameter without Tier uses (Standard,
// Advanced, or Intelligent-Tiering, which picks the tier the value needs).
// localaws has no throughput limit to lift, so high-throughput-enabled is
// only kept.

const (
	settingThroughput  = "/ssm/parameter-store/high-throughput-enabled"
	settingDefaultTier = "/ssm/parameter-store/default-parameter-tier"
)

// settingDefaults are the settings served and their AWS defaults; values
// lists what UpdateServiceSetting accepts.
var settingDefaults = map[string]struct {
	value  string
	values []string
}{
	settingThroughput:  {"false", []string{"true", "false"}},
	settingDefaultTier: {tierStandard, []string{tierStandard, tierAdvanced, tierIntelligent}},
}

// otherSettings are Systems Manager's other setting ids, which belong to
// other tools.
var otherSettings = []string{
	"/ssm/appmanager/appmanager-enabled", "/ssm/automation/customer-script-log-destination",
	"/ssm/automation/customer-script-log-group-name", "/ssm/automation/enable-adaptive-concurrency",
	"/ssm/documents/console/public-sharing-permission", "/ssm/managed-instance/activation-tier",
	"/ssm/managed-instance/default-ec2-instance-management-role", "/ssm/opsinsights/opscenter",
}

type setting struct {
	value, user string
	modified    time.Time
}

type serviceSettingInput struct {
	SettingId *string
}

type updateServiceSettingInput struct {
	SettingId    *string
	SettingValue *string
}

type serviceSettingOut struct {
	SettingId        string    `json:"SettingId"`
	SettingValue     string    `json:"SettingValue"`
	LastModifiedDate epochTime `json:"LastModifiedDate"`
	LastModifiedUser string    `json:"LastModifiedUser"`
	ARN              string    `json:"ARN"`
	Status           string    `json:"Status"`
}

type serviceSettingOutput struct {
	ServiceSetting serviceSettingOut `json:"ServiceSetting"`
}

// settingID reads a SettingId, given as the id or as its ARN.
func (s *Store) settingID(raw *string) (string, error) {
	if raw == nil {
		return "", errRequired("settingId")
	}
	id := *raw
	if n := len(id); n < 1 || n > 1000 {
		return "", errValidation("1 validation error detected: Value at 'settingId' failed to satisfy constraint: Member must have length between 1 and 1000")
	}
	if rest, ok := strings.CutPrefix(id, "arn:"+s.partition+":ssm:"+s.region+":"+s.accountID+":servicesetting"); ok {
		id = rest
	}
	if _, ok := settingDefaults[id]; ok {
		return id, nil
	}
	for _, other := range otherSettings {
		if id == other {
			return "", errUnsupported(codeSettingNotFound, "the service setting "+id+", which is not Parameter Store's")
		}
	}
	return "", apiError(codeSettingNotFound, "The service setting %s was not found.", id)
}

// render is a setting as the API answers it. The caller holds s.mu.
func (s *Store) renderSetting(id string) serviceSettingOutput {
	out := serviceSettingOut{
		SettingId: id, SettingValue: settingDefaults[id].value, LastModifiedDate: epochTime(s.created),
		LastModifiedUser: "System", ARN: "arn:" + s.partition + ":ssm:" + s.region + ":" + s.accountID + ":servicesetting" + id,
		Status: "Default",
	}
	if st, ok := s.settings[id]; ok {
		out.SettingValue, out.LastModifiedDate, out.LastModifiedUser, out.Status = st.value, epochTime(st.modified), st.user, "Customized"
	}
	return serviceSettingOutput{ServiceSetting: out}
}

func (s *Store) getServiceSetting(in *serviceSettingInput) (any, error) {
	id, err := s.settingID(in.SettingId)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.renderSetting(id), nil
}

func (s *Store) updateServiceSetting(in *updateServiceSettingInput) (any, error) {
	id, err := s.settingID(in.SettingId)
	if err != nil {
		return nil, err
	}
	if in.SettingValue == nil {
		return nil, errRequired("settingValue")
	}
	ok := false
	for _, v := range settingDefaults[id].values {
		ok = ok || v == *in.SettingValue
	}
	if !ok {
		return nil, errValidation("The value %s is not valid for the setting %s. Valid values: %s.", *in.SettingValue, id, strings.Join(settingDefaults[id].values, ", "))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settings[id] = setting{value: *in.SettingValue, user: "arn:" + s.partition + ":iam::" + s.accountID + ":root", modified: s.now()}
	return struct{}{}, nil
}

func (s *Store) resetServiceSetting(in *serviceSettingInput) (any, error) {
	id, err := s.settingID(in.SettingId)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.settings, id)
	return s.renderSetting(id), nil
}

// defaultTier is the tier of a PutParameter without Tier. The caller holds
// s.mu.
func (s *Store) defaultTier() string {
	if st, ok := s.settings[settingDefaultTier]; ok {
		return st.value
	}
	return tierStandard
}
