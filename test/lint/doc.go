// Package lint checks the files that ship the plugin outside Go: the
// Dockerfile, the LocalStack compose harness, the Kubernetes manifest and
// the Helm values, and every Fluent Bit configuration among them, whose
// s3append [OUTPUT] is validated by the plugin's own conf.Parse. It checks
// the sidecar's the same way: its image target, the Kubernetes sidecar and
// aggregator examples, and every sidecar configuration, read by
// sidecar.Parse with the source types the binary serves (sidecar.Kinds).
// The Dockerfile's build stages are checked to cross-compile for each
// image platform, and the GitHub workflows are run through actionlint (the
// binary scripts/tools.sh installs: as a library it would need another
// go.yaml.in/yaml/v4 than compose-go) and checked to test and release as
// the README says.
//
// The checks run where there is no Docker engine, cluster or Helm: each
// file is parsed by the library its tool uses (BuildKit's Dockerfile
// parser, compose-go, the Kubernetes API types decoded strictly), and
// each check is shown to fail on a broken copy of the file it guards.
//
// It is a module of its own so that those libraries stay out of the
// plugin's go.mod; it reaches the plugin's packages through a replace
// directive.
package lint
