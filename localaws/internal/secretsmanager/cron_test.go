package secretsmanager

import (
	"testing"
	"time"
)

// The examples of "Schedule expressions in Secrets Manager rotation", each
// with the next window start after Friday 2026-05-01 09:00 UTC.
func TestCronExamplesFromTheGuide(t *testing.T) {
	t.Parallel()
	from := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		expr  string
		want  time.Time
		daily bool
	}{
		{"cron(0 10 * * ? *)", time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC), true},         // every day at 10:00
		{"cron(0 18 ? * SAT *)", time.Date(2026, 5, 2, 18, 0, 0, 0, time.UTC), true},       // every Saturday at 18:00
		{"cron(0 8 1 * ? *)", time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC), true},           // the first of the month
		{"cron(0 1 * 1/3 SUN *)", time.Date(2026, 7, 5, 1, 0, 0, 0, time.UTC), true},       // Sundays of every third month
		{"cron(0 17 L * ? *)", time.Date(2026, 5, 31, 17, 0, 0, 0, time.UTC), true},        // the last day of the month
		{"cron(0 8 ? * MON-FRI *)", time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC), true},     // weekdays at 08:00
		{"cron(0 16 1,15 * ? *)", time.Date(2026, 5, 1, 16, 0, 0, 0, time.UTC), true},      // the first and fifteenth
		{"cron(0 0 ? * SUN#1 *)", time.Date(2026, 5, 3, 0, 0, 0, 0, time.UTC), true},       // the first Sunday
		{"cron(0 */4 * * ? *)", time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC), false},       // every four hours
		{"cron(0 9 ? * 6L *)", time.Date(2026, 5, 29, 9, 0, 0, 0, time.UTC), true},         // the last Friday
		{"cron(0 9 29 FEB ? *)", time.Date(2028, 2, 29, 9, 0, 0, 0, time.UTC), true},       // a leap day
		{"cron(0 9,21 ? * WED,SUN *)", time.Date(2026, 5, 3, 9, 0, 0, 0, time.UTC), false}, // two a day
	}
	for _, tc := range cases {
		c, err := parseCron(tc.expr)
		if err != nil {
			t.Errorf("parseCron(%s): %v", tc.expr, err)
			continue
		}
		got, ok := c.next(from)
		if !ok || !got.Equal(tc.want) || c.daily != tc.daily {
			t.Errorf("%s: next = %v (%v), daily %v; want %v, daily %v", tc.expr, got, ok, c.daily, tc.want, tc.daily)
		}
	}
}

func TestCronRefusesWhatSecretsManagerRefuses(t *testing.T) {
	t.Parallel()
	for _, expr := range []string{
		"cron(30 10 * * ? *)",   // minutes must be 0
		"cron(0 10 * * ? 2027)", // year must be *
		"cron(0 24 * * ? *)",    // no hour 24
		"cron(0 10 ? * ? *)",    // one day field must say something
		"cron(0 10 32 * ? *)", "cron(0 10 * 13 ? *)", "cron(0 10 ? * MON#6 *)", "cron(0 10 ? * 8 *)",
		"cron(0 10 * * ?)", "cron 0 10 * * ? *", "rate(1 day)", "cron(0 5-2 * * ? *)", "cron(0 */0 * * ? *)",
	} {
		if _, err := parseCron(expr); err == nil {
			t.Errorf("parseCron(%s) accepted", expr)
		}
	}
}

// FuzzParseCron: any expression parses or is refused, and a schedule that
// parses has a next window for any start.
func FuzzParseCron(f *testing.F) {
	f.Add("cron(0 16 1,15 * ? *)")
	f.Add("cron(0 0 ? * SUN#1 *)")
	f.Add("cron(0 */4 * 1/3 MON-FRI *)")
	f.Fuzz(func(t *testing.T, expr string) {
		c, err := parseCron(expr)
		if err != nil {
			return
		}
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		if next, ok := c.next(from); ok && !next.After(from) {
			t.Fatalf("%s: next %v is not after %v", expr, next, from)
		}
	})
}
