package rds

import (
	"strings"
	"testing"
)

func TestCheckRefusesBadDeclarations(t *testing.T) {
	t.Parallel()
	ok := Instance{ID: "pg1", Engine: "postgres", Address: "pg1.example", Port: 5432}
	cl := Cluster{ID: "aur1", Engine: "aurora-postgresql", Endpoint: "aur1.example", Port: 5432}
	with := func(f func(*Instance)) Instance { in := ok; f(&in); return in }
	withC := func(f func(*Cluster)) Cluster { c := cl; f(&c); return c }
	cases := []struct {
		name      string
		instances []Instance
		clusters  []Cluster
		want      string
	}{
		{"no id", []Instance{with(func(in *Instance) { in.ID = "" })}, nil, "without an id"},
		{"id starting with a digit", []Instance{with(func(in *Instance) { in.ID = "1pg" })}, nil, "identifier"},
		{"two hyphens", []Instance{with(func(in *Instance) { in.ID = "pg--1" })}, nil, "identifier"},
		{"trailing hyphen", []Instance{with(func(in *Instance) { in.ID = "pg-" })}, nil, "identifier"},
		{"64 characters", []Instance{with(func(in *Instance) { in.ID = "p" + strings.Repeat("g", 63) })}, nil, "identifier"},
		{"no engine", []Instance{with(func(in *Instance) { in.Engine = "" })}, nil, "no engine"},
		{"no address", []Instance{with(func(in *Instance) { in.Address = "" })}, nil, "no address"},
		{"port 0", []Instance{with(func(in *Instance) { in.Port = 0 })}, nil, "port 0"},
		{"port 65536", []Instance{with(func(in *Instance) { in.Port = 65536 })}, nil, "port 65536"},
		{"bad cluster id", []Instance{with(func(in *Instance) { in.ClusterID = "a_b" })}, nil, "clusterId"},
		{"duplicate, any case", []Instance{ok, with(func(in *Instance) { in.ID = "PG1" })}, nil, "declared twice"},
		{"cluster without endpoint", nil, []Cluster{withC(func(c *Cluster) { c.Endpoint = "" })}, "no endpoint"},
		{"cluster port", nil, []Cluster{withC(func(c *Cluster) { c.Port = -1 })}, "port -1"},
		{"duplicate cluster", nil, []Cluster{cl, cl}, "declared twice"},
		{"member twice", nil, []Cluster{withC(func(c *Cluster) { c.Members = []Member{{InstanceID: "a"}, {InstanceID: "A"}} })}, "twice"},
		{"member without id", nil, []Cluster{withC(func(c *Cluster) { c.Members = []Member{{}} })}, "without an id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(tc.instances, tc.clusters)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Check = %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if err := Check([]Instance{ok, with(func(in *Instance) { in.ID = "a-1-b"; in.ReadReplicaSource = "elsewhere" })},
		[]Cluster{withC(func(c *Cluster) { c.Members = []Member{{InstanceID: "not-declared", Writer: true}} })}); err != nil {
		t.Errorf("a valid declaration: %v", err)
	}
}

func TestPageOf(t *testing.T) {
	t.Parallel()
	ids := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, string(rune('a'+i/26))+string(rune('a'+i%26)))
		}
		return out
	}
	all := ids(45)
	id := func(s string) string { return s }
	var got []string
	pg := page{max: 20}
	for pages := 0; ; pages++ {
		p, marker := pageOf(all, pg, id)
		got = append(got, p...)
		if marker == "" {
			if pages != 2 {
				t.Errorf("%d pages, want 3", pages+1)
			}
			break
		}
		pg.marker = marker
	}
	if strings.Join(got, ",") != strings.Join(all, ",") {
		t.Errorf("pages joined = %v", got)
	}
}
