package upstream

import "regexp"

// partition is an AWS partition as the SDK's endpoint rules see it
// (aws-sdk-go-v2's internal/endpoints/awsrulesfn/partitions.json, for the
// module version in go.mod; TestPartitionsAreTheSDKs holds this table to it).
type partition struct {
	name               string
	regions            []string // named outright; matched before any pattern
	pattern            string   // a region name in this partition
	dnsSuffix          string
	dualStackDNSSuffix string
	supportsFIPS       bool
	supportsDualStack  bool
}

// partitions returns the table, in the SDK's order: a region is looked up
// by name in each partition, then by pattern in each, and is otherwise in
// "aws".
func partitions() []partition {
	return []partition{
		{"aws", []string{"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
			"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
			"ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "aws-global", "ca-central-1", "ca-west-1",
			"eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2",
			"eu-west-3", "il-central-1", "me-central-1", "me-south-1", "me-west-1", "mx-central-1", "sa-east-1",
			"sa-west-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2"},
			`^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$`, "amazonaws.com", "api.aws", true, true},
		{"aws-cn", []string{"aws-cn-global", "cn-north-1", "cn-northwest-1"},
			`^cn\-\w+\-\d+$`, "amazonaws.com.cn", "api.amazonwebservices.com.cn", true, true},
		{"aws-eusc", []string{"eusc-de-east-1"},
			`^eusc\-(de)\-\w+\-\d+$`, "amazonaws.eu", "api.amazonwebservices.eu", true, true},
		{"aws-iso", []string{"aws-iso-global", "us-iso-east-1", "us-iso-west-1"},
			`^us\-iso\-\w+\-\d+$`, "c2s.ic.gov", "api.aws.ic.gov", true, true},
		{"aws-iso-b", []string{"aws-iso-b-global", "us-isob-east-1", "us-isob-west-1"},
			`^us\-isob\-\w+\-\d+$`, "sc2s.sgov.gov", "api.aws.scloud", true, true},
		{"aws-iso-e", []string{"aws-iso-e-global", "eu-isoe-west-1"},
			`^eu\-isoe\-\w+\-\d+$`, "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk", true, true},
		{"aws-iso-f", []string{"aws-iso-f-global", "us-isof-east-1", "us-isof-south-1"},
			`^us\-isof\-\w+\-\d+$`, "csp.hci.ic.gov", "api.aws.hci.ic.gov", true, true},
		{"aws-us-gov", []string{"aws-us-gov-global", "us-gov-east-1", "us-gov-west-1"},
			`^us\-gov\-\w+\-\d+$`, "amazonaws.com", "api.aws", true, true},
	}
}

// partitionOf returns the partition a region is in.
func partitionOf(region string) partition {
	all := partitions()
	for _, p := range all {
		for _, r := range p.regions {
			if r == region {
				return p
			}
		}
	}
	for _, p := range all {
		if regexp.MustCompile(p.pattern).MatchString(region) {
			return p
		}
	}
	return all[0]
}
