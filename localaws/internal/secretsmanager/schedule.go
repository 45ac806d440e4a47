package secretsmanager

import (
	"regexp"
	"strconv"
	"time"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
)

// A rotation schedule, from the RotationRulesType reference
// (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotationRulesType.html)
// and "Schedule expressions in Secrets Manager rotation": Secrets Manager
// rotates at any time during a rotation window. For AutomaticallyAfterDays
// and rate() the window starts at midnight UTC of the day the interval ends
// (for rate(N hours), at the hour); for cron() at the time it names. It
// closes after Duration, or by default at the end of the UTC day for a
// schedule in days and after one hour for a schedule in hours. The window
// must not run into the next UTC day or the next window.
type schedule struct {
	days  int           // AutomaticallyAfterDays or rate(N days)
	hours int           // rate(N hours)
	cron  *cronSpec     // cron()
	dur   time.Duration // Duration; 0 for the default
}

// window is one rotation window, [start, end).
type window struct{ start, end time.Time }

// due is NextRotationDate: "The next rotation is scheduled to occur on or
// before this date ... the latest date that rotation will occur", the last
// second of the window. Zero when there is no window.
func (w window) due() time.Time {
	if w.start.IsZero() {
		return time.Time{}
	}
	return w.end.Add(-time.Second)
}

var (
	rateExpr     = regexp.MustCompile(`^rate\(([1-9][0-9]{0,3}) (hour|hours|day|days)\)$`)
	durationExpr = regexp.MustCompile(`^([0-9]+)h$`)
)

// minRateHours: "You can rotate a secret as often as every four hours."
const minRateHours = 4

func errSchedule(msg string) error { return awsjson.ClientError("InvalidParameterException", msg) }

// parseRules validates RotateSecret's RotationRules and returns the schedule
// they describe (nil rules: no schedule). AutomaticallyAfterDays with a
// ScheduleExpression is InvalidParameterException, as AWS answers it.
func parseRules(r *RotationRules) (*schedule, error) {
	if r == nil {
		return nil, nil
	}
	if r.AutomaticallyAfterDays != nil && (*r.AutomaticallyAfterDays < 1 || *r.AutomaticallyAfterDays > 1000) {
		return nil, awsjson.Validation("rotationRules.automaticallyAfterDays", "Member must have value between 1 and 1000")
	}
	if r.AutomaticallyAfterDays != nil && r.ScheduleExpression != nil {
		return nil, errSchedule("You cannot specify both rotation frequency and schedule expression together.")
	}
	sc := &schedule{}
	if r.Duration != nil {
		m := durationExpr.FindStringSubmatch(*r.Duration)
		if len(*r.Duration) < 2 || len(*r.Duration) > 3 || m == nil {
			return nil, awsjson.Validation("rotationRules.duration", "Member must satisfy regular expression pattern: [0-9]+h")
		}
		h, _ := strconv.Atoi(m[1])
		if h < 1 || h > 24 {
			return nil, errSchedule("The rotation window Duration must be between 1h and 24h.")
		}
		sc.dur = time.Duration(h) * time.Hour
	}
	switch {
	case r.AutomaticallyAfterDays != nil:
		sc.days = int(*r.AutomaticallyAfterDays)
	case r.ScheduleExpression != nil:
		expr := *r.ScheduleExpression
		if m := rateExpr.FindStringSubmatch(expr); m != nil {
			n, _ := strconv.Atoi(m[1])
			if m[2] == "day" || m[2] == "days" {
				sc.days = n
			} else {
				sc.hours = n
			}
		} else if c, err := parseCron(expr); err == nil {
			sc.cron = c
		} else {
			return nil, errSchedule("The schedule expression " + expr + " is not a valid rate() or cron() expression.")
		}
	default:
		if r.Duration != nil {
			return nil, errSchedule("A rotation window Duration needs a ScheduleExpression or AutomaticallyAfterDays.")
		}
		return nil, nil
	}
	if sc.hours != 0 && sc.hours < minRateHours {
		return nil, errSchedule("You can't rotate a secret more often than every 4 hours.")
	}
	if err := sc.checkWindow(); err != nil {
		return nil, err
	}
	return sc, nil
}

// checkWindow enforces "The window must not extend into the next rotation
// window or the next UTC day."
func (sc *schedule) checkWindow() error {
	if sc.dur == 0 {
		return nil
	}
	start := 0
	if sc.cron != nil {
		start = sc.cron.hour
	}
	switch {
	case sc.hours != 0 && sc.dur > time.Duration(sc.hours)*time.Hour,
		sc.cron != nil && !sc.cron.daily && sc.dur > time.Hour*time.Duration(sc.cron.gap()),
		time.Duration(start)*time.Hour+sc.dur > 24*time.Hour:
		return errSchedule("The rotation window can't extend into the next UTC day or the next rotation window.")
	}
	return nil
}

// gap is the shortest distance, in hours, between two hours of a cron
// schedule that opens several windows a day.
func (c *cronSpec) gap() int {
	best, prev := 24, -1
	for h, on := range c.hours {
		if !on {
			continue
		}
		if prev >= 0 && h-prev < best {
			best = h - prev
		}
		prev = h
	}
	return best
}

// next is the first window after base: the interval counted from base (the
// last rotation, or when rotation was configured) for a rate, the next
// scheduled time for a cron.
func (sc *schedule) next(base time.Time) window {
	base = base.UTC()
	var start time.Time
	length := 24 * time.Hour
	switch {
	case sc.days != 0:
		start = base.Truncate(24*time.Hour).AddDate(0, 0, sc.days)
	case sc.hours != 0:
		start = base.Truncate(time.Hour).Add(time.Duration(sc.hours) * time.Hour)
		length = time.Hour
	case sc.cron != nil:
		var ok bool
		if start, ok = sc.cron.next(base); !ok {
			return window{}
		}
		length = time.Hour
		if sc.cron.daily {
			length = start.Truncate(24 * time.Hour).Add(24 * time.Hour).Sub(start)
		}
	default:
		return window{}
	}
	if sc.dur != 0 {
		length = sc.dur
	}
	return window{start: start, end: start.Add(length)}
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

// reschedule sets the secret's next rotation window from base. The caller
// holds s.mu.
func (sec *secret) reschedule(base time.Time) {
	sc, err := parseRules(sec.rotation.rules)
	if err != nil || sc == nil {
		sec.rotation.window = window{}
		return
	}
	sec.rotation.window = sc.next(base)
}
