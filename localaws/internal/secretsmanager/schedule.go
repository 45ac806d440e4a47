package secretsmanager

import (
	"regexp"
	"strconv"
	"time"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
)

// checkRules validates RotateSecret's RotationRules: AutomaticallyAfterDays
// within 1–1000 days, and never together with a ScheduleExpression (AWS:
// InvalidParameterException, "You cannot specify both rotation frequency and
// schedule expression together.").
func checkRules(r *RotationRules) error {
	if r == nil {
		return nil
	}
	if r.AutomaticallyAfterDays != nil && (*r.AutomaticallyAfterDays < 1 || *r.AutomaticallyAfterDays > 1000) {
		return awsjson.Validation("rotationRules.automaticallyAfterDays", "Member must have value between 1 and 1000")
	}
	if r.AutomaticallyAfterDays != nil && r.ScheduleExpression != nil {
		return awsjson.ClientError("InvalidParameterException",
			"You cannot specify both rotation frequency and schedule expression together.")
	}
	return nil
}

var rateExpr = regexp.MustCompile(`^rate\((\d+) (hour|hours|day|days)\)$`)

// rate is the interval of an AutomaticallyAfterDays or rate() schedule, and
// whether the schedule has one (a cron() schedule does not).
func (r *RotationRules) rate() (time.Duration, bool) {
	if r == nil {
		return 0, false
	}
	if r.AutomaticallyAfterDays != nil && *r.AutomaticallyAfterDays > 0 {
		return time.Duration(*r.AutomaticallyAfterDays) * 24 * time.Hour, true
	}
	if r.ScheduleExpression != nil {
		if m := rateExpr.FindStringSubmatch(*r.ScheduleExpression); m != nil {
			n, _ := strconv.Atoi(m[1])
			unit := time.Hour
			if m[2] == "day" || m[2] == "days" {
				unit = 24 * time.Hour
			}
			return time.Duration(n) * unit, true
		}
	}
	return 0, false
}

// shown is the schedule as DescribeSecret and ListSecrets answer it: under a
// rate(N days) ScheduleExpression AWS also answers AutomaticallyAfterDays N,
// the number of days it computes between rotations.
func (r *RotationRules) shown() *RotationRules {
	if r == nil {
		return nil
	}
	out := *r
	if out.AutomaticallyAfterDays == nil && out.ScheduleExpression != nil {
		if m := rateExpr.FindStringSubmatch(*out.ScheduleExpression); m != nil && (m[2] == "day" || m[2] == "days") {
			n, _ := strconv.ParseInt(m[1], 10, 64)
			out.AutomaticallyAfterDays = &n
		}
	}
	return &out
}

// nextRotation is the date of the next scheduled rotation: the interval
// after the last rotation or, for a secret never rotated, after rotation was
// configured. A cron() schedule yields no date.
func (sec *secret) nextRotation() time.Time {
	every, ok := sec.rotation.rules.rate()
	if !ok {
		return time.Time{}
	}
	base := sec.lastRotated
	if base.IsZero() {
		base = sec.rotation.since
	}
	return base.Add(every)
}
