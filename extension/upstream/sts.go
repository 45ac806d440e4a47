package upstream

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	smithytime "github.com/aws/smithy-go/time"
)

// STS AssumeRole, for reads as another role (roles.go). Like the other
// operations it is made on the SDK's core, not through the SDK's sts client:
// STS speaks the Query protocol, a form-encoded POST whose answer is XML.
// https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
const (
	opAssumeRole = "AssumeRole"
	// queryAssumeRole names the operation as the Query protocol does, in the
	// form itself: its Action and API Version (tests/iam_test.go derives
	// sts:AssumeRole from this string).
	queryAssumeRole = "Action=AssumeRole&Version=2011-06-15"
)

// stsSpec is STS.
func stsSpec() spec {
	return spec{name: "STS", sdkID: "STS", envEndpoint: "AWS_ENDPOINT_URL_STS",
		signingName: "sts", host: stsHost, query: true}
}

// stsHost is STS's regional host, as the SDK's sts client resolves it (its
// legacy global endpoint only for the pseudo-region aws-global). Its FIPS
// endpoint in aws-us-gov is the usual one.
func stsHost(p partition, region string, fips, dualStack bool) (string, error) {
	switch {
	case fips && dualStack:
		if !p.supportsFIPS || !p.supportsDualStack {
			return "", errBothUnsupported
		}
		return hostname("sts-fips", region, p.dualStackDNSSuffix), nil
	case fips:
		if !p.supportsFIPS {
			return "", errFIPSUnsupported
		}
		if p.name == "aws-us-gov" {
			return hostname("sts", region, "amazonaws.com"), nil
		}
		return hostname("sts-fips", region, p.dnsSuffix), nil
	case dualStack:
		if !p.supportsDualStack {
			return "", errDualStackUnsupported
		}
		return hostname("sts", region, p.dualStackDNSSuffix), nil
	case region == "aws-global":
		return "sts.amazonaws.com", nil
	}
	return hostname("sts", region, p.dnsSuffix), nil
}

// assumeRoleResponse is the part of an AssumeRole answer the extension uses.
type assumeRoleResponse struct {
	XMLName     xml.Name `xml:"AssumeRoleResponse"`
	Credentials struct {
		AccessKeyID     string `xml:"AccessKeyId"`
		SecretAccessKey string `xml:"SecretAccessKey"`
		SessionToken    string `xml:"SessionToken"`
		Expiration      string `xml:"Expiration"`
	} `xml:"AssumeRoleResult>Credentials"`
}

// assumeRole calls AssumeRole on s (signed with s's credentials: the
// function's own) for roleARN, and returns the role session's credentials.
// Its errors are *Error, their messages saying AssumeRole failed; none
// carries a credential: decoding errors never quote the answer.
func assumeRole(ctx context.Context, s *service, roleARN, session string) (aws.Credentials, error) {
	var res assumeRoleResponse
	params := url.Values{"RoleArn": {roleARN}, "RoleSessionName": {session}}
	err := s.callQuery(ctx, queryAssumeRole, params, func(b []byte) error {
		if err := xml.Unmarshal(b, &res); err != nil {
			return safeXMLError(err)
		}
		return nil
	})
	if err != nil {
		return aws.Credentials{}, assumeRoleError(roleARN, translate(opAssumeRole, err))
	}
	c := res.Credentials
	expires, err := smithytime.ParseDateTime(c.Expiration)
	if c.AccessKeyID == "" || c.SecretAccessKey == "" || err != nil {
		return aws.Credentials{}, assumeRoleError(roleARN, translate(opAssumeRole,
			errors.New("the answer holds no credentials with an expiration")))
	}
	return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		Source: "paramsecrets AssumeRole", CanExpire: true, Expires: expires}, nil
}

// assumeRoleError says which role could not be assumed; the code and status
// stay STS's (AccessDenied is a 403).
func assumeRoleError(roleARN string, e *Error) *Error {
	e.Message = fmt.Sprintf("AssumeRole %s: %s", roleARN, e.Message)
	return e
}
