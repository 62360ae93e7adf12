package lint

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// workflow is what the checks read of a GitHub Actions workflow; actionlint
// has checked the rest of its syntax.
type workflow struct {
	On          map[string]trigger `yaml:"on"`
	Permissions yaml.Node          `yaml:"permissions"`
	Jobs        map[string]*job    `yaml:"jobs"`
}

type trigger struct {
	Branches []string `yaml:"branches"`
	Tags     []string `yaml:"tags"`
}

type job struct {
	id          string
	Needs       yaml.Node `yaml:"needs"` // a job ID or a list of them
	Permissions yaml.Node `yaml:"permissions"`
	Container   yaml.Node `yaml:"container"` // an image, or a mapping with image
	Strategy    struct {
		Matrix struct {
			Include []map[string]string `yaml:"include"`
		} `yaml:"matrix"`
	} `yaml:"strategy"`
	Steps []step `yaml:"steps"`
}

type step struct {
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]string `yaml:"with"`
}

// parseWorkflow reads a workflow whose on: is a mapping of events.
func parseWorkflow(src string) (*workflow, error) {
	var wf workflow
	if err := yaml.Unmarshal([]byte(src), &wf); err != nil {
		return nil, fmt.Errorf("write on: as a mapping of events: %w", err)
	}
	for id, j := range wf.Jobs {
		j.id = id
	}
	return &wf, nil
}

// sortedJobs are the jobs in ID order, so that reports are stable.
func (wf *workflow) sortedJobs() []*job {
	var js []*job
	for _, j := range wf.Jobs {
		js = append(js, j)
	}
	slices.SortFunc(js, func(a, b *job) int { return strings.Compare(a.id, b.id) })
	return js
}

// stepRunning returns the first job and step whose run script contains
// cmd.
func (wf *workflow) stepRunning(cmd string) (*job, *step) {
	for _, j := range wf.sortedJobs() {
		for i, s := range j.Steps {
			if strings.Contains(s.Run, cmd) {
				return j, &j.Steps[i]
			}
		}
	}
	return nil, nil
}

// stepUsing returns the first job and step that use action (owner/name,
// at any version).
func (wf *workflow) stepUsing(action string) (*job, *step) {
	for _, j := range wf.sortedJobs() {
		for i, s := range j.Steps {
			if strings.HasPrefix(s.Uses, action+"@") {
				return j, &j.Steps[i]
			}
		}
	}
	return nil, nil
}

// permission is j's permission for scope: the job's, or else the
// workflow's; "" when neither says.
func (wf *workflow) permission(j *job, scope string) string {
	for _, n := range []yaml.Node{j.Permissions, wf.Permissions} {
		switch n.Kind {
		case yaml.ScalarNode: // read-all, write-all
			return strings.TrimSuffix(n.Value, "-all")
		case yaml.MappingNode:
			var m map[string]string
			if n.Decode(&m) == nil {
				if v, ok := m[scope]; ok {
					return v
				}
			}
			return "none" // a mapping gives the scopes it omits none
		}
	}
	return ""
}

func (j *job) needs() []string {
	var one string
	var many []string
	if j.Needs.Decode(&one) == nil && one != "" {
		return []string{one}
	}
	_ = j.Needs.Decode(&many)
	return many
}

func (j *job) image() string {
	var image string
	if j.Container.Decode(&image) != nil {
		var c struct{ Image string }
		_ = j.Container.Decode(&c)
		image = c.Image
	}
	return image
}
