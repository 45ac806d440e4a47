package secretsmanager

import (
	"sort"
	"time"
)

// older reports whether a was created before b.
func older(a, b *version) bool {
	if !a.created.Equal(b.created) {
		return a.created.Before(b.created)
	}
	return a.seq < b.seq
}

// holder returns the version carrying a staging label, or nil.
func (sec *secret) holder(stage string) *version {
	for _, v := range sec.versions {
		if v.has(stage) {
			return v
		}
	}
	return nil
}

// attach puts a staging label on v, taking it from any other version. Moving
// AWSCURRENT moves AWSPREVIOUS to the version AWSCURRENT left, as the
// UpdateSecretVersionStage and PutSecretValue references require.
func (sec *secret) attach(v *version, stage string) {
	old := sec.holder(stage)
	if old == v {
		return
	}
	if old != nil {
		old.remove(stage)
	}
	v.stages = append(v.stages, stage)
	if stage == StageCurrent && old != nil {
		if prev := sec.holder(StagePrevious); prev != nil {
			prev.remove(StagePrevious)
		}
		old.stages = append(old.stages, StagePrevious)
	}
}

// Version retention, from the PutSecretValue reference: "Secrets Manager
// keeps 100 of the most recent versions, but it keeps all secret versions
// created in the last 24 hours." Only versions without staging labels
// (deprecated) are ever removed, oldest first; labelled versions and versions
// younger than a day are kept even past 100, and nothing is refused.
const (
	maxVersions      = 100
	versionRetention = 24 * time.Hour
)

// prune drops deprecated versions past the retention rule.
func (s *Store) prune(sec *secret) {
	if len(sec.versions) <= maxVersions {
		return
	}
	var old []*version
	cutoff := s.now().Add(-versionRetention)
	for _, v := range sec.versions {
		if len(v.stages) == 0 && !v.created.After(cutoff) {
			old = append(old, v)
		}
	}
	sort.Slice(old, func(i, j int) bool { return older(old[i], old[j]) })
	for _, v := range old {
		if len(sec.versions) <= maxVersions {
			return
		}
		delete(sec.versions, v.id)
	}
}

// stagesMap is VersionIdsToStages: labelled versions only, since AWS leaves
// deprecated versions out.
func (sec *secret) stagesMap() map[string][]string {
	m := map[string][]string{}
	for id, v := range sec.versions {
		if len(v.stages) > 0 {
			m[id] = append([]string(nil), v.stages...)
		}
	}
	return m
}
