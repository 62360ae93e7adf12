package lint

import (
	"bufio"
	"errors"
	"io"
	"net"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

const manifestRel = "deploy/kubernetes/daemonset.yaml"

var (
	irsaAnnotation = "eks.amazonaws.com/role-arn"
	roleARN        = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$`)
)

// manifest is the decoded objects of a Kubernetes example.
type manifest struct {
	namespaces      []corev1.Namespace
	serviceAccounts []corev1.ServiceAccount
	configMaps      []corev1.ConfigMap
	clusterRoles    []rbacv1.ClusterRole
	bindings        []rbacv1.ClusterRoleBinding
	daemonSets      []appsv1.DaemonSet
	deployments     []appsv1.Deployment
	statefulSets    []appsv1.StatefulSet
	services        []corev1.Service
	claims          []corev1.PersistentVolumeClaim
	budgets         []policyv1.PodDisruptionBudget
}

// decodeManifest decodes every document strictly into its API type: a
// field the type does not have, or a key given twice, is a problem, as
// kubectl's server-side field validation would make it.
func decodeManifest(rel, text string) (*manifest, problems) {
	var found problems
	m := &manifest{}
	r := k8syaml.NewYAMLReader(bufio.NewReader(strings.NewReader(text)))
	for doc := 1; ; doc++ {
		raw, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			found.add("%s: document %d: %v", rel, doc, err)
			break
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(raw, &tm); err != nil {
			found.add("%s: document %d: %v", rel, doc, err)
			continue
		}
		if tm.Kind == "" {
			continue // only comments
		}
		var target any
		switch tm.APIVersion + " " + tm.Kind {
		case "v1 Namespace":
			m.namespaces = append(m.namespaces, corev1.Namespace{})
			target = &m.namespaces[len(m.namespaces)-1]
		case "v1 ServiceAccount":
			m.serviceAccounts = append(m.serviceAccounts, corev1.ServiceAccount{})
			target = &m.serviceAccounts[len(m.serviceAccounts)-1]
		case "v1 ConfigMap":
			m.configMaps = append(m.configMaps, corev1.ConfigMap{})
			target = &m.configMaps[len(m.configMaps)-1]
		case "rbac.authorization.k8s.io/v1 ClusterRole":
			m.clusterRoles = append(m.clusterRoles, rbacv1.ClusterRole{})
			target = &m.clusterRoles[len(m.clusterRoles)-1]
		case "rbac.authorization.k8s.io/v1 ClusterRoleBinding":
			m.bindings = append(m.bindings, rbacv1.ClusterRoleBinding{})
			target = &m.bindings[len(m.bindings)-1]
		case "apps/v1 DaemonSet":
			m.daemonSets = append(m.daemonSets, appsv1.DaemonSet{})
			target = &m.daemonSets[len(m.daemonSets)-1]
		case "apps/v1 Deployment":
			m.deployments = append(m.deployments, appsv1.Deployment{})
			target = &m.deployments[len(m.deployments)-1]
		case "apps/v1 StatefulSet":
			m.statefulSets = append(m.statefulSets, appsv1.StatefulSet{})
			target = &m.statefulSets[len(m.statefulSets)-1]
		case "v1 Service":
			m.services = append(m.services, corev1.Service{})
			target = &m.services[len(m.services)-1]
		case "v1 PersistentVolumeClaim":
			m.claims = append(m.claims, corev1.PersistentVolumeClaim{})
			target = &m.claims[len(m.claims)-1]
		case "policy/v1 PodDisruptionBudget":
			m.budgets = append(m.budgets, policyv1.PodDisruptionBudget{})
			target = &m.budgets[len(m.budgets)-1]
		default:
			found.add("%s: document %d: unknown kind %s %s", rel, doc, tm.APIVersion, tm.Kind)
			continue
		}
		// The API server's own strict decoding: case-sensitive field
		// names, no unknown or duplicate fields.
		js, err := yaml.YAMLToJSONStrict(raw)
		if err != nil {
			found.add("%s: document %d (%s): %v", rel, doc, tm.Kind, err)
			continue
		}
		strict, err := sigsjson.UnmarshalStrict(js, target)
		if err != nil {
			found.add("%s: document %d (%s): %v", rel, doc, tm.Kind, err)
		}
		for _, e := range strict {
			found.add("%s: document %d (%s): %v", rel, doc, tm.Kind, e)
		}
	}
	return m, found
}

// checkManifest checks the DaemonSet example: objects decode strictly,
// the pod runs as a ServiceAccount with an IRSA role that RBAC lets read
// pod metadata, every mount has its volume, the configuration comes from
// a key the ConfigMap has and passes the shared checks with the
// container's env, the buffer is on a hostPath, the pod's grace period is
// above Fluent Bit's, resources are bounded and Prometheus scrapes the
// metrics_listen port.
func checkManifest(text string) problems {
	m, found := decodeManifest(manifestRel, text)
	if len(found) > 0 {
		return found
	}
	if len(m.daemonSets) != 1 {
		found.add("%s: %d DaemonSets, want 1", manifestRel, len(m.daemonSets))
		return found
	}
	ds := m.daemonSets[0]
	where := manifestRel + ": DaemonSet " + ds.Name
	pod := ds.Spec.Template.Spec
	ns := ds.Namespace
	if ds.Spec.Selector == nil || !labelsMatch(ds.Spec.Selector.MatchLabels, ds.Spec.Template.Labels) {
		found.add("%s: the selector does not match the pod template's labels", where)
	}
	if ru := ds.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.MaxSurge != nil && ru.MaxSurge.IntValue() != 0 {
		found.add("%s: maxSurge %s lets two pods share a node's store_dir; the second one would not start", where, ru.MaxSurge.String())
	}
	checkServiceAccount(&found, m, pod.ServiceAccountName, ns)

	if len(pod.Containers) != 1 {
		found.add("%s: %d containers, want the one Fluent Bit container", where, len(pod.Containers))
		return found
	}
	ctr := pod.Containers[0]
	checkPinned(&found, where+": image "+ctr.Image, ctr.Image)
	if len(ctr.Command) > 0 && !slices.Equal(ctr.Command, []string{imageBinary}) {
		found.add("%s: command %q, want the image's %s", where, ctr.Command, imageBinary)
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
	}
	mounted := map[string]bool{}
	for _, vm := range ctr.VolumeMounts {
		mounted[vm.Name] = true
		if _, ok := volumes[vm.Name]; !ok {
			found.add("%s: mount %s at %s has no volume", where, vm.Name, vm.MountPath)
		}
	}
	for _, v := range pod.Volumes {
		if !mounted[v.Name] {
			found.add("%s: volume %s is not mounted", where, v.Name)
		}
	}
	// volumeAt returns the volume mounted where p lives.
	volumeAt := func(p string) (corev1.Volume, corev1.VolumeMount, bool) {
		var best corev1.VolumeMount
		for _, vm := range ctr.VolumeMounts {
			t := strings.TrimSuffix(vm.MountPath, "/")
			if (p == t || strings.HasPrefix(p, t+"/")) && len(t) > len(best.MountPath) {
				best = vm
			}
		}
		v, ok := volumes[best.Name]
		return v, best, ok && best.MountPath != ""
	}

	i := slices.Index(ctr.Args, "-c")
	if i < 0 || i+1 >= len(ctr.Args) {
		found.add("%s: args %q name no configuration with -c", where, ctr.Args)
		return found
	}
	confPath := ctr.Args[i+1]
	v, vm, ok := volumeAt(confPath)
	if !ok || v.ConfigMap == nil {
		found.add("%s: the configuration %s is not from a ConfigMap volume", where, confPath)
		return found
	}
	key := strings.TrimPrefix(confPath, strings.TrimSuffix(vm.MountPath, "/")+"/")
	for _, item := range v.ConfigMap.Items {
		if item.Path == key {
			key = item.Key
		}
	}
	cm, ok := configMapNamed(m, v.ConfigMap.Name, ns)
	if !ok {
		found.add("%s: volume %s names no ConfigMap %s in namespace %s", where, v.Name, v.ConfigMap.Name, ns)
		return found
	}
	confText, ok := cm.Data[key]
	if !ok {
		found.add("%s: ConfigMap %s has no key %s, which the pod runs as %s", manifestRel, cm.Name, key, confPath)
		return found
	}
	env := map[string]string{}
	for _, e := range ctr.Env {
		env[e.Name] = e.Value
		if e.ValueFrom != nil {
			env[e.Name] = "set-from-" + e.Name
		}
	}
	c, bad := checkFluentBitConfig(manifestRel+": ConfigMap "+cm.Name+" "+key, confText, env)
	found = append(found, bad...)
	if c.plugin == nil {
		return found
	}
	for what, p := range map[string]string{"store_dir": c.plugin.StoreDir, "tail DB": tailValue(c, "DB")} {
		if v, _, ok := volumeAt(p); !ok || v.HostPath == nil {
			found.add("%s: %s %s is on no hostPath volume, so it is lost with the pod", where, what, p)
		}
	}
	if logs := tailValue(c, "Path"); logs != "" {
		if v, _, ok := volumeAt(path.Dir(logs)); !ok || v.HostPath == nil {
			found.add("%s: the tail Path %s is on no hostPath volume", where, logs)
		}
	}
	checkGrace(&found, where, pod.TerminationGracePeriodSeconds, c)
	res := ctr.Resources
	if res.Requests.Cpu().IsZero() || res.Requests.Memory().IsZero() {
		found.add("%s: no cpu and memory requests", where)
	}
	if res.Limits.Memory().IsZero() {
		found.add("%s: no memory limit", where)
	}
	var ports []int32
	for _, p := range ctr.Ports {
		ports = append(ports, p.ContainerPort)
	}
	checkScrape(&found, where, ds.Spec.Template.Annotations, ports, c.plugin.MetricsListen)
	return found
}

func labelsMatch(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func configMapNamed(m *manifest, name, ns string) (corev1.ConfigMap, bool) {
	for _, cm := range m.configMaps {
		if cm.Name == name && cm.Namespace == ns {
			return cm, true
		}
	}
	return corev1.ConfigMap{}, false
}

func tailValue(c *fbConfig, key string) string {
	tail, _ := c.firstSection("INPUT", "tail")
	v, _ := tail.get(key)
	return v
}

// checkServiceAccount checks that the pod's ServiceAccount carries an IRSA
// role and that a ClusterRoleBinding lets it read what the kubernetes
// filter reads.
func checkServiceAccount(found *problems, m *manifest, name, ns string) {
	if name == "" {
		found.add("%s: the DaemonSet names no serviceAccountName", manifestRel)
		return
	}
	var sa *corev1.ServiceAccount
	for i := range m.serviceAccounts {
		if m.serviceAccounts[i].Name == name && m.serviceAccounts[i].Namespace == ns {
			sa = &m.serviceAccounts[i]
		}
	}
	if sa == nil {
		found.add("%s: no ServiceAccount %s in namespace %s", manifestRel, name, ns)
		return
	}
	checkIRSA(found, manifestRel+": ServiceAccount "+name, sa.Annotations)
	for _, b := range m.bindings {
		subject := slices.ContainsFunc(b.Subjects, func(s rbacv1.Subject) bool {
			return s.Kind == "ServiceAccount" && s.Name == name && s.Namespace == ns
		})
		if !subject || b.RoleRef.Kind != "ClusterRole" {
			continue
		}
		for _, r := range m.clusterRoles {
			if r.Name == b.RoleRef.Name && grants(r.Rules, "pods") && grants(r.Rules, "namespaces") {
				return
			}
		}
	}
	found.add("%s: no ClusterRoleBinding lets ServiceAccount %s get, list and watch pods and namespaces (the kubernetes filter)", manifestRel, name)
}

// checkIRSA reports annotations without an IAM role for the ServiceAccount.
func checkIRSA(found *problems, where string, annotations map[string]string) {
	arn, ok := annotations[irsaAnnotation]
	if !ok {
		found.add("%s: no %s annotation (IRSA)", where, irsaAnnotation)
	} else if !roleARN.MatchString(arn) {
		found.add("%s: %s %q is not an IAM role ARN", where, irsaAnnotation, arn)
	}
}

func grants(rules []rbacv1.PolicyRule, resource string) bool {
	for _, r := range rules {
		if slices.Contains(r.APIGroups, "") && slices.Contains(r.Resources, resource) &&
			slices.Contains(r.Verbs, "get") && slices.Contains(r.Verbs, "list") && slices.Contains(r.Verbs, "watch") {
			return true
		}
	}
	return false
}

// checkGrace reports a pod grace period that does not leave Fluent Bit its
// Grace to finish uploads.
func checkGrace(found *problems, where string, seconds *int64, c *fbConfig) {
	if seconds == nil {
		found.add("%s: no terminationGracePeriodSeconds; the default 30 s must be above Grace %v, say so", where, c.grace)
		return
	}
	if time.Duration(*seconds)*time.Second <= c.grace {
		found.add("%s: terminationGracePeriodSeconds %d is not above Fluent Bit's Grace %v", where, *seconds, c.grace)
	}
}

// checkScrape reports Prometheus annotations that do not point at the
// plugin's metrics endpoint.
func checkScrape(found *problems, where string, annotations map[string]string, ports []int32, listen string) {
	if listen == "" {
		found.add("%s: the s3append output sets no metrics_listen", where)
		return
	}
	_, port, _ := net.SplitHostPort(listen)
	if annotations["prometheus.io/scrape"] != "true" {
		found.add("%s: pod annotation prometheus.io/scrape is not \"true\"", where)
	}
	if annotations["prometheus.io/port"] != port {
		found.add("%s: pod annotation prometheus.io/port %q is not metrics_listen's port %s", where, annotations["prometheus.io/port"], port)
	}
	if p := annotations["prometheus.io/path"]; p != "/metrics" {
		found.add("%s: pod annotation prometheus.io/path %q, the endpoint is /metrics", where, p)
	}
	if !slices.ContainsFunc(ports, func(p int32) bool { return port == strconv.Itoa(int(p)) }) {
		found.add("%s: no container port %s for metrics_listen", where, port)
	}
}

func TestManifest(t *testing.T) {
	expectClean(t, manifestRel, checkManifest(readRepo(t, manifestRel)))
}

func TestManifestRefuses(t *testing.T) {
	real := readRepo(t, manifestRel)
	for _, r := range []refusal{
		{"unknown field", "          hostPath:\n            path: /var/lib/fluent-bit", "          hostpath:\n            path: /var/lib/fluent-bit", `unknown field "spec.template.spec.volumes[2].hostpath"`},
		{"misplaced field", "      serviceAccountName: s3append", "      serviceAccount_name: s3append", `unknown field "spec.template.spec.serviceAccount_name"`},
		{"duplicate key", "  name: s3append-config\n", "  name: s3append-config\n  name: other\n", `key "name" already set`},
		{"unknown kind", "kind: Namespace", "kind: Namespaces", "unknown kind v1 Namespaces"},
		{"no irsa", "eks.amazonaws.com/role-arn:", "eks.amazonaws.com/role:", "no eks.amazonaws.com/role-arn annotation"},
		{"bad arn", "arn:aws:iam::123456789012:role/s3append-logs-writer", "s3append-logs-writer", "is not an IAM role ARN"},
		{"no sa", "      serviceAccountName: s3append", "      serviceAccountName: fluent-bit", "no ServiceAccount fluent-bit"},
		{"rbac", `resources: ["pods", "namespaces"]`, `resources: ["pods"]`, "no ClusterRoleBinding lets ServiceAccount s3append"},
		{"binding", "  - kind: ServiceAccount\n    name: s3append\n    namespace: logging", "  - kind: ServiceAccount\n    name: s3append\n    namespace: default", "no ClusterRoleBinding lets ServiceAccount s3append"},
		{"selector", "      labels:\n        app.kubernetes.io/name: s3append\n      annotations", "      labels:\n        app.kubernetes.io/name: other\n      annotations", "the selector does not match"},
		{"surge", "maxSurge: 0", "maxSurge: 1", "maxSurge 1 lets two pods share"},
		{"latest", "registry.example.com/s3append:0.1.0", "registry.example.com/s3append:latest", "latest is not a pinned tag"},
		{"mount without volume", "            - name: state\n              mountPath", "            - name: status\n              mountPath", "mount status at /var/lib/fluent-bit has no volume"},
		{"volume not mounted", "            - name: varlog\n              mountPath: /var/log\n              readOnly: true\n", "", "volume varlog is not mounted"},
		{"config not from configmap", `"/fluent-bit/etc/conf/fluent-bit.conf"`, `"/fluent-bit/etc/fluent-bit.conf"`, "the configuration /fluent-bit/etc/fluent-bit.conf is not from a ConfigMap"},
		{"configmap key", "  fluent-bit.conf: |", "  fluent.conf: |", "ConfigMap s3append-config has no key fluent-bit.conf"},
		{"configmap name", "            name: s3append-config", "            name: s3append-cfg", "names no ConfigMap s3append-cfg"},
		{"store on emptyDir", "          hostPath:\n            path: /var/lib/fluent-bit\n            type: DirectoryOrCreate", "          emptyDir: {}", "store_dir /var/lib/fluent-bit/s3append is on no hostPath"},
		{"store in tmp", "store_dir             /var/lib/fluent-bit/s3append", "store_dir             /tmp/fluent-bit/s3append", "is under /tmp"},
		{"env missing", "            - name: S3_REGION\n              value: eu-west-1\n", "", "${S3_REGION} of region is not set"},
		{"grace", "terminationGracePeriodSeconds: 30", "terminationGracePeriodSeconds: 20", "terminationGracePeriodSeconds 20 is not above Fluent Bit's Grace 20s"},
		{"no grace", "      terminationGracePeriodSeconds: 30\n", "", "no terminationGracePeriodSeconds"},
		{"no limits", "            limits:\n              cpu: \"1\"\n              memory: 512Mi\n", "", "no memory limit"},
		{"no requests", "            requests:\n              cpu: 100m\n              memory: 128Mi\n", "", "no cpu and memory requests"},
		{"scrape off", `prometheus.io/scrape: "true"`, `prometheus.io/scrape: "false"`, "prometheus.io/scrape is not \"true\""},
		{"scrape port", `prometheus.io/port: "2021"`, `prometheus.io/port: "2020"`, "prometheus.io/port \"2020\" is not metrics_listen's port 2021"},
		{"no metrics port", "containerPort: 2021", "containerPort: 2022", "no container port 2021"},
		{"no metrics", "        metrics_listen        0.0.0.0:2021\n", "", "sets no metrics_listen"},
		{"retry limit", "Retry_Limit           no_limits", "Retry_Limit           10", "want no_limits"},
	} {
		expectRefusal(t, r.name, checkManifest(mutate(t, real, r.old, r.new)), r.want)
	}
}
