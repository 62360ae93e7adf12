package lint

import (
	"encoding/json"
	"net"
	"path"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

const helmValuesRel = "deploy/helm/values.yaml"

// chartValues are the keys of the fluent/fluent-bit chart's values.yaml
// (fluent/helm-charts, charts/fluent-bit/values.yaml), top level and, for
// the maps these values set, one level down. A key the chart does not
// have is silently ignored by Helm, so a typo would drop a setting.
var chartValues = map[string][]string{
	"": {"kind", "replicaCount", "image", "testFramework", "imagePullSecrets", "nameOverride",
		"fullnameOverride", "serviceAccount", "rbac", "podSecurityPolicy", "openShift",
		"podSecurityContext", "hostNetwork", "dnsPolicy", "dnsConfig", "hostAliases",
		"securityContext", "service", "serviceMonitor", "prometheusRule", "dashboards", "lifecycle",
		"livenessProbe", "readinessProbe", "resources", "ingress", "autoscaling",
		"podDisruptionBudget", "nodeSelector", "tolerations", "affinity", "labels", "annotations",
		"podAnnotations", "podLabels", "minReadySeconds", "terminationGracePeriodSeconds",
		"priorityClassName", "env", "envWithTpl", "envFrom", "extraContainers", "flush",
		"metricsPort", "extraPorts", "extraVolumes", "extraVolumeMounts", "updateStrategy",
		"existingConfigMap", "networkPolicy", "luaScripts", "config", "volumeMounts",
		"daemonSetVolumes", "daemonSetVolumeMounts", "command", "args", "initContainers",
		"logLevel", "hotReload"},
	"image":          {"repository", "tag", "digest", "pullPolicy"},
	"serviceAccount": {"create", "annotations", "name", "automountServiceAccountToken"},
	"rbac":           {"create", "nodeAccess", "eventsAccess"},
	"config":         {"service", "inputs", "filters", "outputs", "upstream", "customParsers", "extraFiles"},
}

// helmValues is the part of the chart's values these examples set, decoded
// strictly: the Kubernetes-typed values into the API types.
type helmValues struct {
	Kind  string `json:"kind"`
	Image struct {
		Repository string `json:"repository"`
		Tag        string `json:"tag"`
		PullPolicy string `json:"pullPolicy"`
	} `json:"image"`
	ServiceAccount struct {
		Create      bool              `json:"create"`
		Annotations map[string]string `json:"annotations"`
	} `json:"serviceAccount"`
	RBAC struct {
		Create bool `json:"create"`
	} `json:"rbac"`
	Env                           []corev1.EnvVar                `json:"env"`
	TerminationGracePeriodSeconds *int64                         `json:"terminationGracePeriodSeconds"`
	UpdateStrategy                appsv1.DaemonSetUpdateStrategy `json:"updateStrategy"`
	Resources                     corev1.ResourceRequirements    `json:"resources"`
	PodAnnotations                map[string]string              `json:"podAnnotations"`
	ExtraPorts                    []struct {
		Name          string `json:"name"`
		Port          int32  `json:"port"`
		ContainerPort int32  `json:"containerPort"`
		Protocol      string `json:"protocol"`
	} `json:"extraPorts"`
	ExtraVolumes      []corev1.Volume      `json:"extraVolumes"`
	ExtraVolumeMounts []corev1.VolumeMount `json:"extraVolumeMounts"`
	Config            struct {
		Service string `json:"service"`
		Inputs  string `json:"inputs"`
		Filters string `json:"filters"`
		Outputs string `json:"outputs"`
	} `json:"config"`
}

// checkHelmValues checks the chart values: every key is one the chart
// has, the typed values decode strictly, the image is pinned, the
// ServiceAccount carries an IRSA role and RBAC is created for the
// kubernetes filter, the chart's configuration (service, inputs, filters
// and outputs, joined as the chart joins them) passes the shared checks
// with the env given, the buffer and tail database are on a hostPath
// volume, and the pod's grace period, resources and scrape annotations
// fit the configuration.
func checkHelmValues(text string) problems {
	var found problems
	js, err := yaml.YAMLToJSONStrict([]byte(text))
	if err != nil {
		found.add("%s: %v", helmValuesRel, err)
		return found
	}
	var raw map[string]any
	if err := json.Unmarshal(js, &raw); err != nil {
		found.add("%s: %v", helmValuesRel, err)
		return found
	}
	checkChartKeys(&found, "", raw)
	for parent := range chartValues {
		if m, ok := raw[parent].(map[string]any); ok && parent != "" {
			checkChartKeys(&found, parent, m)
		}
	}
	var v helmValues
	strict, err := sigsjson.UnmarshalStrict(js, &v, sigsjson.DisallowDuplicateFields)
	if err != nil {
		found.add("%s: %v", helmValuesRel, err)
		return found
	}
	for _, e := range strict {
		found.add("%s: %v", helmValuesRel, e)
	}
	// The typed values again, this time refusing fields their types lack.
	for key, target := range map[string]any{
		"env": &[]corev1.EnvVar{}, "updateStrategy": &appsv1.DaemonSetUpdateStrategy{},
		"resources": &corev1.ResourceRequirements{}, "extraVolumes": &[]corev1.Volume{},
		"extraVolumeMounts": &[]corev1.VolumeMount{},
	} {
		sub, _ := json.Marshal(raw[key])
		strict, err := sigsjson.UnmarshalStrict(sub, target)
		if err != nil {
			found.add("%s: %s: %v", helmValuesRel, key, err)
		}
		for _, e := range strict {
			found.add("%s: %s: %v", helmValuesRel, key, e)
		}
	}

	if v.Kind != "" && v.Kind != "DaemonSet" {
		found.add("%s: kind %s; the buffer on a hostPath needs one pod per node, a DaemonSet", helmValuesRel, v.Kind)
	}
	checkPinned(&found, helmValuesRel+": image", v.Image.Repository+":"+v.Image.Tag)
	if !v.ServiceAccount.Create {
		found.add("%s: serviceAccount.create is not true, so the IRSA annotation goes nowhere", helmValuesRel)
	}
	checkIRSA(&found, helmValuesRel+": serviceAccount.annotations", v.ServiceAccount.Annotations)
	if !v.RBAC.Create {
		found.add("%s: rbac.create is not true; the kubernetes filter needs to read pods and namespaces", helmValuesRel)
	}
	if ru := v.UpdateStrategy.RollingUpdate; ru != nil && ru.MaxSurge != nil && ru.MaxSurge.IntValue() != 0 {
		found.add("%s: updateStrategy maxSurge %s lets two pods share a node's store_dir", helmValuesRel, ru.MaxSurge.String())
	}

	conf := v.Config.Service + "\n" + v.Config.Inputs + "\n" + v.Config.Filters + "\n" + v.Config.Outputs
	if strings.Contains(conf, "{{") {
		found.add("%s: config holds Helm templates, which this check cannot evaluate; write the values out", helmValuesRel)
	}
	env := map[string]string{}
	for _, e := range v.Env {
		env[e.Name] = e.Value
		if e.ValueFrom != nil {
			env[e.Name] = "set-from-" + e.Name
		}
	}
	c, bad := checkFluentBitConfig(helmValuesRel+": config", conf, env)
	found = append(found, bad...)
	if c.plugin == nil {
		return found
	}
	volumes := map[string]corev1.Volume{}
	for _, vol := range v.ExtraVolumes {
		volumes[vol.Name] = vol
	}
	for _, vm := range v.ExtraVolumeMounts {
		if _, ok := volumes[vm.Name]; !ok {
			found.add("%s: extraVolumeMounts %s has no volume in extraVolumes", helmValuesRel, vm.Name)
		}
	}
	onHostPath := func(p string) bool {
		for _, vm := range v.ExtraVolumeMounts {
			t := strings.TrimSuffix(vm.MountPath, "/")
			if vol, ok := volumes[vm.Name]; ok && vol.HostPath != nil && (p == t || strings.HasPrefix(p, t+"/")) {
				return true
			}
		}
		return false
	}
	for what, p := range map[string]string{"store_dir": c.plugin.StoreDir, "tail DB": tailValue(c, "DB")} {
		if !onHostPath(p) {
			found.add("%s: %s %s is on no hostPath volume of extraVolumes, so it is lost with the pod", helmValuesRel, what, p)
		}
	}
	if logs := tailValue(c, "Path"); !strings.HasPrefix(path.Clean(logs), "/var/log/") {
		found.add("%s: the tail Path %s is not under /var/log, the chart's hostPath", helmValuesRel, logs)
	}
	checkGrace(&found, helmValuesRel, v.TerminationGracePeriodSeconds, c)
	if v.Resources.Requests.Cpu().IsZero() || v.Resources.Requests.Memory().IsZero() {
		found.add("%s: no cpu and memory requests", helmValuesRel)
	}
	if v.Resources.Limits.Memory().IsZero() {
		found.add("%s: no memory limit", helmValuesRel)
	}
	var ports []int32
	for _, p := range v.ExtraPorts {
		ports = append(ports, p.ContainerPort)
	}
	checkScrape(&found, helmValuesRel, v.PodAnnotations, ports, c.plugin.MetricsListen)
	if _, port, _ := net.SplitHostPort(c.plugin.MetricsListen); port == "2020" {
		found.add("%s: metrics_listen takes port 2020, the chart's metricsPort", helmValuesRel)
	}
	return found
}

// checkChartKeys reports keys of m, the values under parent, that the
// chart does not have.
func checkChartKeys(found *problems, parent string, m map[string]any) {
	known := map[string]bool{}
	for _, k := range chartValues[parent] {
		known[k] = true
	}
	var unknown []string
	for k := range m {
		if !known[k] {
			unknown = append(unknown, strings.TrimPrefix(parent+"."+k, "."))
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		found.add("%s: %s is not a value of the fluent/fluent-bit chart; Helm would ignore it", helmValuesRel, k)
	}
}

func TestHelmValues(t *testing.T) {
	expectClean(t, helmValuesRel, checkHelmValues(readRepo(t, helmValuesRel)))
}

func TestHelmValuesRefuses(t *testing.T) {
	real := readRepo(t, helmValuesRel)
	for _, r := range []refusal{
		{"unknown top-level key", "terminationGracePeriodSeconds: 30", "terminationGracePeriod: 30", "terminationGracePeriod is not a value of the fluent/fluent-bit chart"},
		{"unknown nested key", "  pullPolicy: IfNotPresent", "  pullpolicy: IfNotPresent", "image.pullpolicy is not a value"},
		{"typo in a typed value", "    hostPath:\n      path: /var/lib/fluent-bit", "    hostpath:\n      path: /var/lib/fluent-bit", `extraVolumes: unknown field "[0].hostpath"`},
		{"duplicate key", "rbac:\n  create: true\n", "rbac:\n  create: true\n  create: false\n", `key "create" already set`},
		{"deployment", "image:\n", "kind: Deployment\nimage:\n", "kind Deployment"},
		{"latest", `tag: "0.1.0"`, `tag: latest`, "latest is not a pinned tag"},
		{"no tag", "  tag: \"0.1.0\"\n", "", "no tag"},
		{"no irsa", "eks.amazonaws.com/role-arn:", "eks.amazonaws.com/role:", "no eks.amazonaws.com/role-arn annotation"},
		{"no sa", "serviceAccount:\n  create: true", "serviceAccount:\n  create: false", "serviceAccount.create is not true"},
		{"no rbac", "rbac:\n  create: true", "rbac:\n  create: false", "rbac.create is not true"},
		{"surge", "maxSurge: 0", "maxSurge: 1", "maxSurge 1 lets two pods share"},
		{"template", "Flush         1", "Flush         {{ .Values.flush }}", "config holds Helm templates"},
		{"plugins file", "        Plugins_File  /fluent-bit/etc/plugins.conf\n", "", "Plugins_File is \"\""},
		{"env missing", "  - name: S3_BUCKET\n    value: my-log-bucket\n", "", "${S3_BUCKET} of bucket is not set"},
		{"retry limit", "Retry_Limit           no_limits", "Retry_Limit           False", "want no_limits"},
		{"store in tmp", "store_dir             /var/lib/fluent-bit/s3append", "store_dir             /tmp/s3append", "is under /tmp"},
		{"store off hostPath", "store_dir             /var/lib/fluent-bit/s3append", "store_dir             /fluent-bit/s3append", "store_dir /fluent-bit/s3append is on no hostPath volume"},
		{"mount without volume", "extraVolumeMounts:\n  - name: state", "extraVolumeMounts:\n  - name: status", "extraVolumeMounts status has no volume"},
		{"grace", "terminationGracePeriodSeconds: 30", "terminationGracePeriodSeconds: 15", "terminationGracePeriodSeconds 15 is not above Fluent Bit's Grace 20s"},
		{"no limits", "  limits:\n    cpu: \"1\"\n    memory: 512Mi\n", "", "no memory limit"},
		{"scrape port", `prometheus.io/port: "2021"`, `prometheus.io/port: "2020"`, "prometheus.io/port \"2020\" is not metrics_listen's port 2021"},
		{"no metrics port", "containerPort: 2021", "containerPort: 2022", "no container port 2021"},
		{"metrics on 2020", "metrics_listen        0.0.0.0:2021", "metrics_listen        0.0.0.0:2020", "takes port 2020"},
		{"tail elsewhere", "Path              /var/log/containers/*.log", "Path              /logs/*.log", "is not under /var/log"},
	} {
		expectRefusal(t, r.name, checkHelmValues(mutate(t, real, r.old, r.new)), r.want)
	}
}
