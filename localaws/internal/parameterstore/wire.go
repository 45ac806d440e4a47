package parameterstore

import (
	"strconv"
	"time"
)

// Request and response shapes, field for field as the SSM API reference names
// them. Inputs use pointers so that "absent" differs from "zero".

type putParameterInput struct {
	Name           *string
	Value          *string
	Type           *string
	Description    *string
	AllowedPattern *string
	DataType       *string
	KeyId          *string
	Overwrite      *bool
	Policies       *string
	Tier           *string
	Tags           []tag
}

type tag struct {
	Key, Value string
}

type putParameterOutput struct {
	Tier    string `json:"Tier"`
	Version int64  `json:"Version"`
}

type getParameterInput struct {
	Name           *string
	WithDecryption *bool
}

type getParameterOutput struct {
	Parameter parameterOut `json:"Parameter"`
}

type getParametersInput struct {
	Names          []string
	WithDecryption *bool
}

type getParametersOutput struct {
	InvalidParameters []string       `json:"InvalidParameters"`
	Parameters        []parameterOut `json:"Parameters"`
}

type getParametersByPathInput struct {
	Path             *string
	Recursive        *bool
	WithDecryption   *bool
	MaxResults       *int64
	NextToken        *string
	ParameterFilters []parameterStringFilter
}

type parameterStringFilter struct {
	Key    *string
	Option *string
	Values []string
}

type getParametersByPathOutput struct {
	NextToken  string         `json:"NextToken,omitempty"`
	Parameters []parameterOut `json:"Parameters"`
}

type getParameterHistoryInput struct {
	Name           *string
	WithDecryption *bool
	MaxResults     *int64
	NextToken      *string
}

type getParameterHistoryOutput struct {
	NextToken  string             `json:"NextToken,omitempty"`
	Parameters []parameterHistory `json:"Parameters"`
}

type labelParameterVersionInput struct {
	Name             *string
	Labels           []string
	ParameterVersion *int64
}

type labelParameterVersionOutput struct {
	InvalidLabels    []string `json:"InvalidLabels"`
	ParameterVersion int64    `json:"ParameterVersion"`
}

// parameterOut is the API's Parameter shape.
type parameterOut struct {
	ARN              string    `json:"ARN"`
	DataType         string    `json:"DataType"`
	LastModifiedDate epochTime `json:"LastModifiedDate"`
	Name             string    `json:"Name"`
	Selector         string    `json:"Selector,omitempty"`
	SourceResult     string    `json:"SourceResult,omitempty"`
	Type             string    `json:"Type"`
	Value            string    `json:"Value"`
	Version          int64     `json:"Version"`
}

// parameterHistory is the API's ParameterHistory shape.
type parameterHistory struct {
	AllowedPattern   string         `json:"AllowedPattern,omitempty"`
	DataType         string         `json:"DataType"`
	Description      string         `json:"Description,omitempty"`
	KeyId            string         `json:"KeyId,omitempty"`
	Labels           []string       `json:"Labels"`
	LastModifiedDate epochTime      `json:"LastModifiedDate"`
	LastModifiedUser string         `json:"LastModifiedUser"`
	Name             string         `json:"Name"`
	Policies         []inlinePolicy `json:"Policies"`
	Tier             string         `json:"Tier"`
	Type             string         `json:"Type"`
	Value            string         `json:"Value"`
	Version          int64          `json:"Version"`
}

// inlinePolicy is the API's ParameterInlinePolicy shape.
type inlinePolicy struct {
	PolicyStatus string `json:"PolicyStatus"`
	PolicyText   string `json:"PolicyText"`
	PolicyType   string `json:"PolicyType"`
}

// epochTime encodes as AWS JSON 1.1 timestamps do: seconds since the epoch
// as a JSON number, with milliseconds as the fraction.
type epochTime time.Time

// MarshalJSON implements json.Marshaler.
func (t epochTime) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return []byte(strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64)), nil
}
