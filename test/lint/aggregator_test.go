package lint

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/s3append/s3append/conf"
)

const aggregatorRel = "deploy/kubernetes/aggregator.yaml"

// checkAggregatorManifest checks the aggregation tier: objects decode
// strictly; one StatefulSet of two or more replicas whose selector matches
// its pods, governed by a headless Service, each replica's buffer on a
// claim of its own that scaling down keeps; the pod checks every s3append
// pod gets; a Service that reaches every TCP source and nothing else; a
// PodDisruptionBudget that lets a drain proceed one replica at a time;
// and client configurations that point at that Service and wait for
// s3append's acknowledgement.
func checkAggregatorManifest(text string) problems {
	m, found := decodeManifest(aggregatorRel, text)
	if len(found) > 0 {
		return found
	}
	if len(m.statefulSets) != 1 {
		found.add("%s: %d StatefulSets, want 1", aggregatorRel, len(m.statefulSets))
		return found
	}
	ss := m.statefulSets[0]
	where := aggregatorRel + ": StatefulSet " + ss.Name
	ns, labels := ss.Namespace, ss.Spec.Template.Labels
	if ss.Spec.Selector == nil || !labelsMatch(ss.Spec.Selector.MatchLabels, labels) {
		found.add("%s: the selector does not match the pod template's labels", where)
	}
	replicas := int32(1)
	if ss.Spec.Replicas != nil {
		replicas = *ss.Spec.Replicas
	}
	if replicas < 2 {
		found.add("%s: %d replica(s): one restart stops the whole tier; want 2 or more", where, replicas)
	}
	if i := slices.IndexFunc(m.services, func(s corev1.Service) bool { return s.Name == ss.Spec.ServiceName && s.Namespace == ns }); i < 0 || m.services[i].Spec.ClusterIP != corev1.ClusterIPNone {
		found.add("%s: serviceName %q names no headless Service (clusterIP: None) in namespace %s", where, ss.Spec.ServiceName, ns)
	}
	if p := ss.Spec.PersistentVolumeClaimRetentionPolicy; p != nil && p.WhenScaled == appsv1.DeletePersistentVolumeClaimRetentionPolicyType {
		found.add("%s: whenScaled Delete drops a removed replica's buffer with what it had not uploaded", where)
	}
	sp := checkS3appendPod(&found, podInputs{where: where, m: m, ns: ns, template: ss.Spec.Template, claimTemplates: ss.Spec.VolumeClaimTemplates})
	checkBudget(&found, m, ns, labels, replicas)
	if sp == nil || sp.sf.cfg == nil {
		return found
	}
	for _, o := range sp.sf.cfg.Outputs {
		if v, _, ok := sp.volumeAt(o.Conf.StoreDir); ok && !slices.ContainsFunc(ss.Spec.VolumeClaimTemplates, func(c corev1.PersistentVolumeClaim) bool { return c.Name == v.Name }) {
			found.add("%s: store_dir %s is on volume %s, which every replica would share; use a volumeClaimTemplate", where, o.Conf.StoreDir, v.Name)
		}
	}
	svc, byType := checkFrontService(&found, m, ns, labels, sp)
	if svc != nil {
		checkClients(&found, m, ns, svc, byType)
	}
	return found
}

// checkBudget checks that a PodDisruptionBudget covers the pods and lets
// a drain evict at least one of them.
func checkBudget(found *problems, m *manifest, ns string, labels map[string]string, replicas int32) {
	for _, b := range m.budgets {
		if b.Namespace != ns || b.Spec.Selector == nil || !labelsMatch(b.Spec.Selector.MatchLabels, labels) {
			continue
		}
		if b.Spec.MinAvailable != nil && b.Spec.MinAvailable.IntValue() >= int(replicas) {
			found.add("%s: PodDisruptionBudget %s: minAvailable %s of %d replicas blocks every drain", aggregatorRel, b.Name, b.Spec.MinAvailable.String(), replicas)
		}
		return
	}
	found.add("%s: no PodDisruptionBudget selects the pods", aggregatorRel)
}

// checkFrontService checks the Service clients use: it selects the pods,
// each TCP source has a port, and each port reaches a source. It returns
// the Service and its port for each source type.
func checkFrontService(found *problems, m *manifest, ns string, labels map[string]string, sp *s3appendPod) (*corev1.Service, map[string]int32) {
	var svc *corev1.Service
	for i, s := range m.services {
		if s.Namespace == ns && s.Spec.ClusterIP != corev1.ClusterIPNone && labelsMatch(s.Spec.Selector, labels) {
			svc = &m.services[i]
		}
	}
	if svc == nil {
		found.add("%s: no Service (not headless) selects the pods", aggregatorRel)
		return nil, nil
	}
	where := aggregatorRel + ": Service " + svc.Name
	sources := map[int32]string{} // container port -> source type
	for _, s := range sp.sf.cfg.Sources {
		if _, port, ok := tcpListen(s.Listen); ok {
			sources[port] = s.Type
		}
	}
	byType := map[string]int32{}
	for _, p := range svc.Spec.Ports {
		target := p.TargetPort
		if target.IntValue() == 0 && target.StrVal == "" {
			target.IntVal = p.Port // an unset targetPort is the port
		}
		cp, ok := containerPort(sp.ctr, target)
		if typ, listens := sources[cp]; ok && listens {
			byType[typ] = p.Port
		} else {
			found.add("%s: port %s (%d) targets %s, where no source listens", where, p.Name, p.Port, target.String())
		}
	}
	for _, s := range sp.sf.cfg.Sources {
		if _, _, ok := tcpListen(s.Listen); ok && byType[s.Type] == 0 {
			found.add("%s: no port reaches source %s (%s)", where, s.Name, s.Listen)
		}
	}
	return svc, byType
}

// serviceHost says whether host is the cluster DNS name of svc.
func serviceHost(host string, svc *corev1.Service) bool {
	base := svc.Name + "." + svc.Namespace + ".svc"
	return host == base || host == base+".cluster.local"
}

// checkClients checks the clients' configurations: Fluent Bit's forward
// output and Vector's http sink send to the Service's ports for those
// sources and wait for s3append's answer.
func checkClients(found *problems, m *manifest, ns string, svc *corev1.Service, byType map[string]int32) {
	var fb, vector string
	var where string
	for _, cm := range m.configMaps {
		if cm.Namespace == ns && cm.Data["fluent-bit-forward.conf"] != "" {
			fb, vector, where = cm.Data["fluent-bit-forward.conf"], cm.Data["vector-http.yaml"], aggregatorRel+": ConfigMap "+cm.Name
		}
	}
	if fb == "" || vector == "" {
		found.add("%s: no ConfigMap with the clients' fluent-bit-forward.conf and vector-http.yaml", aggregatorRel)
		return
	}
	secs, bad := parseClassic(where+" fluent-bit-forward.conf", fb)
	*found = append(*found, bad...)
	i := slices.IndexFunc(secs, func(s section) bool { n, _ := s.get("Name"); return s.name == "OUTPUT" && n == "forward" })
	if i < 0 {
		found.add("%s: fluent-bit-forward.conf has no [OUTPUT] Name forward", where)
	} else {
		out := secs[i]
		host, _ := out.get("Host")
		port, _ := out.get("Port")
		if !serviceHost(host, svc) || port != strconv.Itoa(int(byType["forward"])) {
			found.add("%s: the forward output sends to %s:%s, not to Service %s's forward port %d", where, host, port, svc.Name, byType["forward"])
		}
		if ack, _ := out.get("Require_ack_response"); !isOn(ack) {
			found.add("%s: the forward output has no Require_ack_response On: Fluent Bit would count a chunk written to the socket as delivered", where)
		}
		if rl, _ := out.get("Retry_Limit"); !strings.EqualFold(rl, "no_limits") {
			found.add("%s: the forward output has Retry_Limit %q, want no_limits: Fluent Bit drops a chunk at its retry limit", where, rl)
		}
	}
	var v struct {
		Sinks map[string]struct {
			Type     string `json:"type"`
			URI      string `json:"uri"`
			Encoding struct {
				Codec string `json:"codec"`
			} `json:"encoding"`
			Acknowledgements struct {
				Enabled bool `json:"enabled"`
			} `json:"acknowledgements"`
		} `json:"sinks"`
	}
	if err := yaml.Unmarshal([]byte(vector), &v); err != nil {
		found.add("%s: vector-http.yaml: %v", where, err)
		return
	}
	http := 0
	for name, s := range v.Sinks {
		if s.Type != "http" {
			continue
		}
		http++
		u, err := url.Parse(s.URI)
		if err != nil || u.Scheme != "http" || !serviceHost(u.Hostname(), svc) || u.Port() != strconv.Itoa(int(byType["http"])) || len(strings.Trim(u.Path, "/")) == 0 {
			found.add("%s: Vector sink %s: uri %q is not http://%s.%s.svc:%d/<tag>", where, name, s.URI, svc.Name, svc.Namespace, byType["http"])
		}
		if s.Encoding.Codec != "json" {
			found.add("%s: Vector sink %s: encoding.codec %q, the http source reads json", where, name, s.Encoding.Codec)
		}
		if !s.Acknowledgements.Enabled {
			found.add("%s: Vector sink %s: acknowledgements.enabled is not true: sources would not wait for s3append's answer", where, name)
		}
	}
	if http == 0 {
		found.add("%s: vector-http.yaml has no sink of type http", where)
	}
}

func isOn(v string) bool {
	b, err := conf.ParseBool(v)
	return err == nil && b
}

func TestAggregatorManifest(t *testing.T) {
	expectClean(t, aggregatorRel, checkAggregatorManifest(readRepo(t, aggregatorRel)))
}

func TestAggregatorManifestRefuses(t *testing.T) {
	real := readRepo(t, aggregatorRel)
	for _, r := range []refusal{
		{"unknown field", "  podManagementPolicy: Parallel", "  podManagement: Parallel", `unknown field "spec.podManagement"`},
		{"duplicate key", "  name: s3append-aggregator-clients\n", "  name: s3append-aggregator-clients\n  name: x\n", `key "name" already set`},
		{"unknown kind", "kind: PodDisruptionBudget", "kind: PodDisruptionBudgets", "unknown kind policy/v1 PodDisruptionBudgets"},
		{"deployment", "kind: StatefulSet", "kind: Deployment", `(Deployment): unknown field "spec.volumeClaimTemplates"`},
		{"selector", "      labels:\n        app.kubernetes.io/name: s3append-aggregator\n      annotations", "      labels:\n        app.kubernetes.io/name: other\n      annotations", "the selector does not match"},
		{"one replica", "replicas: 2", "replicas: 1", "1 replica(s)"},
		{"not headless", "  clusterIP: None\n", "", "names no headless Service"},
		{"scale deletes", "whenScaled: Retain", "whenScaled: Delete", "whenScaled Delete drops"},
		{"no irsa", "eks.amazonaws.com/role-arn:", "eks.amazonaws.com/role:", "no eks.amazonaws.com/role-arn annotation"},
		{"readiness path", "path: /readyz", "path: /", "want a readinessProbe httpGet /readyz"},
		{"root", "runAsNonRoot: true", "runAsNonRoot: false", "runAsNonRoot is not true"},
		{"pdb blocks", "minAvailable: 1", "minAvailable: 2", "minAvailable 2 of 2 replicas blocks every drain"},
		{"no pdb", "      app.kubernetes.io/name: s3append-aggregator\n---\n# The clients'", "      app.kubernetes.io/name: other\n---\n# The clients'", "no PodDisruptionBudget selects the pods"},
		// The checks below read the configuration: they need the source
		// types of sidecar.Kinds.
		{"env missing", "            - name: S3_BUCKET\n              value: my-log-bucket\n", "", "uses ${S3_BUCKET}, which is not set"},
		{"container port", "containerPort: 4318", "containerPort: 4317", "no container port 4318 for source otlp.0"},
		{"unbounded", "        store_dir_limit_size: 18G\n", "", "store_dir_limit_size 0 is not below the claim buffer's 20Gi"},
		{"grace", "terminationGracePeriodSeconds: 60", "terminationGracePeriodSeconds: 30", "terminationGracePeriodSeconds 30 is not above output s3append.0's shutdown_timeout 45s"},
		{"service misses source", "    - name: otlp\n      port: 4318\n      targetPort: otlp\n", "", "no port reaches source otlp.0"},
		{"service to metrics", "      targetPort: otlp\n", "      targetPort: metrics\n", "port otlp (4318) targets metrics, where no source listens"},
		{"no front service", "  selector:\n    app.kubernetes.io/name: s3append-aggregator\n  ports:\n    - name: forward\n      port: 24224\n      targetPort: forward\n    - name: http", "  selector:\n    app.kubernetes.io/name: other\n  ports:\n    - name: forward\n      port: 24224\n      targetPort: forward\n    - name: http", "no Service (not headless) selects the pods"},
		{"fluent bit host", "Host                  s3append-aggregator.logging.svc.cluster.local", "Host                  s3append.logging.svc", "the forward output sends to s3append.logging.svc:24224"},
		{"fluent bit port", "Port                  24224", "Port                  24225", "not to Service s3append-aggregator's forward port 24224"},
		{"no ack", "        Require_ack_response  On\n", "", "no Require_ack_response On"},
		{"fluent bit retries", "        Retry_Limit           no_limits\n", "", "Retry_Limit \"\", want no_limits"},
		{"vector port", "local:8080/vector", "local:8081/vector", "uri \"http://s3append-aggregator.logging.svc.cluster.local:8081/vector\" is not"},
		{"vector no tag", "local:8080/vector", "local:8080/", "is not http://"},
		{"vector codec", "codec: json", "codec: text", "encoding.codec \"text\""},
		{"vector acks", "enabled: true", "enabled: false", "acknowledgements.enabled is not true"},
	} {
		expectRefusal(t, r.name, checkAggregatorManifest(mutate(t, real, r.old, r.new)), r.want)
	}
	// The buffer on one claim of the pod template, which every replica mounts.
	shared := mutate(t, real, "            - name: buffer\n              mountPath: /var/lib/s3append", "            - name: shared\n              mountPath: /var/lib/s3append")
	shared = mutate(t, shared, "      volumes:\n", "      volumes:\n        - name: shared\n          persistentVolumeClaim:\n            claimName: buffer\n")
	expectRefusal(t, "store on pod volume", checkAggregatorManifest(shared), "store_dir /var/lib/s3append is on volume shared, which every replica would share")
}
