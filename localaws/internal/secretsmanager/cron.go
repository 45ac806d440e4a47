package secretsmanager

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// cronSpec is a Secrets Manager cron() schedule, in the six-field form of
// "Schedule expressions in Secrets Manager rotation"
// (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html):
// minutes (must be 0, windows open on the hour), hours, day-of-month, month,
// day-of-week (1-7 or SUN-SAT) and year (must be *). Times are UTC.
type cronSpec struct {
	hours  [24]bool
	months [13]bool
	dom    func(t time.Time) bool
	dow    func(t time.Time) bool
	// daily is set when the schedule opens one window a day, which then
	// lasts until the end of the day unless a Duration says otherwise.
	daily bool
	hour  int // the first hour that matches
}

var errCron = errors.New("not a Secrets Manager cron expression")

var (
	monthNames = []string{"", "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	dayNames   = []string{"", "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
)

// parseCron reads "cron(0 H DOM MON DOW *)".
func parseCron(expr string) (*cronSpec, error) {
	body, ok := strings.CutPrefix(expr, "cron(")
	if !ok || !strings.HasSuffix(body, ")") {
		return nil, errCron
	}
	f := strings.Fields(strings.TrimSuffix(body, ")"))
	if len(f) != 6 || f[0] != "0" || f[5] != "*" {
		return nil, errCron
	}
	c := &cronSpec{}
	hours, err := parseSet(f[1], 0, 23, nil, false)
	if err != nil {
		return nil, err
	}
	n := 0
	for h, on := range hours {
		if on && h <= 23 {
			if n == 0 {
				c.hour = h
			}
			c.hours[h] = true
			n++
		}
	}
	c.daily = n == 1
	months, err := parseSet(f[3], 1, 12, monthNames, false)
	if err != nil {
		return nil, err
	}
	copy(c.months[:], months)
	if f[2] == "?" && f[4] == "?" {
		return nil, errCron
	}
	if c.dom, err = parseDayOfMonth(f[2]); err != nil {
		return nil, err
	}
	if c.dow, err = parseDayOfWeek(f[4]); err != nil {
		return nil, err
	}
	return c, nil
}

// next is the first window start strictly after t.
func (c *cronSpec) next(t time.Time) (time.Time, bool) {
	cur := t.UTC().Truncate(time.Hour).Add(time.Hour)
	// Schedules are never more than a year apart; two years bounds the
	// search even for the 29th of February.
	for limit := 0; limit < 2*366*24; limit++ {
		if c.hours[cur.Hour()] && c.months[int(cur.Month())] && c.dom(cur) && c.dow(cur) {
			return cur, true
		}
		cur = cur.Add(time.Hour)
	}
	return time.Time{}, false
}

// parseSet reads a comma list of *, values, ranges and steps into a
// membership table indexed by value.
func parseSet(field string, lo, hi int, names []string, question bool) ([]bool, error) {
	set := make([]bool, hi+1)
	if question && field == "?" {
		for i := lo; i <= hi; i++ {
			set[i] = true
		}
		return set, nil
	}
	for _, item := range strings.Split(field, ",") {
		rng, stepText, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			s, err := strconv.Atoi(stepText)
			if err != nil || s < 1 || s > hi {
				return nil, errCron
			}
			step = s
		}
		from, to := lo, hi
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			a, b, _ := strings.Cut(rng, "-")
			var err error
			if from, err = value(a, lo, hi, names); err != nil {
				return nil, err
			}
			if to, err = value(b, lo, hi, names); err != nil || to < from {
				return nil, errCron
			}
		default:
			v, err := value(rng, lo, hi, names)
			if err != nil {
				return nil, err
			}
			from = v
			if !hasStep {
				to = v
			}
		}
		for i := from; i <= to; i += step {
			set[i] = true
		}
	}
	return set, nil
}

func value(s string, lo, hi int, names []string) (int, error) {
	for i, n := range names {
		if n != "" && strings.EqualFold(s, n) {
			return i, nil
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, errCron
	}
	return v, nil
}

func lastDay(t time.Time) int {
	return time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func parseDayOfMonth(field string) (func(time.Time) bool, error) {
	switch field {
	case "*", "?":
		return func(time.Time) bool { return true }, nil
	case "L":
		return func(t time.Time) bool { return t.Day() == lastDay(t) }, nil
	}
	set, err := parseSet(field, 1, 31, nil, false)
	if err != nil {
		return nil, err
	}
	return func(t time.Time) bool { return set[t.Day()] }, nil
}

// parseDayOfWeek reads 1-7 or SUN-SAT with , - / and the forms L (the last
// day of the week), nL (the last such day of the month) and n#k (the k-th
// such day of the month).
func parseDayOfWeek(field string) (func(time.Time) bool, error) {
	weekday := func(t time.Time) int { return int(t.Weekday()) + 1 } // SUN = 1
	switch field {
	case "*", "?":
		return func(time.Time) bool { return true }, nil
	case "L":
		return func(t time.Time) bool { return weekday(t) == 7 }, nil
	}
	if d, k, ok := strings.Cut(field, "#"); ok {
		day, err := value(d, 1, 7, dayNames)
		nth, err2 := strconv.Atoi(k)
		if err != nil || err2 != nil || nth < 1 || nth > 5 {
			return nil, errCron
		}
		return func(t time.Time) bool { return weekday(t) == day && (t.Day()-1)/7+1 == nth }, nil
	}
	if d, ok := strings.CutSuffix(field, "L"); ok {
		day, err := value(d, 1, 7, dayNames)
		if err != nil {
			return nil, errCron
		}
		return func(t time.Time) bool { return weekday(t) == day && t.Day()+7 > lastDay(t) }, nil
	}
	set, err := parseSet(field, 1, 7, dayNames, false)
	if err != nil {
		return nil, err
	}
	return func(t time.Time) bool { return set[weekday(t)] }, nil
}
