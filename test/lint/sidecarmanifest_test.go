package lint

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
)

const sidecarManifestRel = "deploy/kubernetes/sidecar.yaml"

// checkSidecarManifest checks the sidecar example: objects decode
// strictly; one Deployment whose selector matches its pods, with one pod
// at a time (they share one buffer claim); s3append a native sidecar
// (started before the application, once its startupProbe passes, and
// stopped after it) beside at least one application container; and the
// pod checks every s3append pod gets.
func checkSidecarManifest(text string) problems {
	m, found := decodeManifest(sidecarManifestRel, text)
	if len(found) > 0 {
		return found
	}
	if len(m.deployments) != 1 {
		found.add("%s: %d Deployments, want 1", sidecarManifestRel, len(m.deployments))
		return found
	}
	d := m.deployments[0]
	where := sidecarManifestRel + ": Deployment " + d.Name
	if d.Spec.Selector == nil || !labelsMatch(d.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
		found.add("%s: the selector does not match the pod template's labels", where)
	}
	if r := d.Spec.Replicas; r != nil && *r != 1 {
		found.add("%s: replicas %d would share one buffer claim; the second s3append would refuse it", where, *r)
	}
	if d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		found.add("%s: strategy %q starts the new pod before the old one stops, on the same buffer; want Recreate", where, d.Spec.Strategy.Type)
	}
	sp := checkS3appendPod(&found, podInputs{where: where, m: m, ns: d.Namespace, template: d.Spec.Template})
	if sp == nil {
		return found
	}
	if !sp.native {
		found.add("%s: s3append is not a native sidecar (an init container with restartPolicy: Always): it would not start before the application and stop after it", where)
	}
	if len(d.Spec.Template.Spec.Containers) == 0 || sp.ctr.Name == d.Spec.Template.Spec.Containers[0].Name && len(d.Spec.Template.Spec.Containers) == 1 {
		found.add("%s: no application container beside s3append", where)
	}
	return found
}

func TestSidecarManifest(t *testing.T) {
	expectClean(t, sidecarManifestRel, checkSidecarManifest(readRepo(t, sidecarManifestRel)))
}

func TestSidecarManifestRefuses(t *testing.T) {
	real := readRepo(t, sidecarManifestRel)
	for _, r := range []refusal{
		{"unknown field", "          restartPolicy: Always", "          restartpolicy: Always", `unknown field "spec.template.spec.initContainers[0].restartpolicy"`},
		{"duplicate key", "  name: app-s3append\n", "  name: app-s3append\n  name: other\n", `key "name" already set`},
		{"unknown kind", "kind: PersistentVolumeClaim", "kind: PersistentVolumeClaims", "unknown kind v1 PersistentVolumeClaims"},
		{"selector", "      labels:\n        app.kubernetes.io/name: app\n      annotations", "      labels:\n        app.kubernetes.io/name: other\n      annotations", "the selector does not match"},
		{"replicas", "replicas: 1", "replicas: 2", "replicas 2 would share one buffer claim"},
		{"rolling", "    type: Recreate", "    type: RollingUpdate", "strategy \"RollingUpdate\" starts the new pod"},
		{"not native", "          restartPolicy: Always\n", "", "not a native sidecar"},
		{"no startup probe", "          startupProbe:\n            httpGet:\n              path: /readyz", "          startupProbe:\n            httpGet:\n              path: /", "want a startupProbe httpGet /readyz"},
		{"liveness path", "path: /healthz", "path: /metrics", "want a livenessProbe httpGet /healthz"},
		{"no app", "      containers:\n        # A stand-in", "        # A stand-in", "no application container beside s3append"},
		{"no irsa", "eks.amazonaws.com/role-arn:", "eks.amazonaws.com/role:", "no eks.amazonaws.com/role-arn annotation"},
		{"no sa", "      serviceAccountName: app", "      serviceAccountName: other", "no ServiceAccount other"},
		{"latest", "s3append-sidecar:0.1.0", "s3append-sidecar:latest", "latest is not a pinned tag"},
		{"command", "          restartPolicy: Always\n", "          restartPolicy: Always\n          command: [\"/s3append\"]\n", "command [\"/s3append\"], want the image's /usr/local/bin/s3append"},
		{"root", "            runAsNonRoot: true\n            runAsUser: 65532", "            runAsNonRoot: false\n            runAsUser: 65532", "runAsNonRoot is not true"},
		{"writable root", "            readOnlyRootFilesystem: true\n            allowPrivilegeEscalation: false\n            capabilities:\n              drop: [\"ALL\"]\n          volumeMounts:\n            - name: config", "            allowPrivilegeEscalation: false\n            capabilities:\n              drop: [\"ALL\"]\n          volumeMounts:\n            - name: config", "readOnlyRootFilesystem is not true"},
		{"escalation", "            allowPrivilegeEscalation: false\n            capabilities:\n              drop: [\"ALL\"]\n          volumeMounts:\n            - name: config", "            capabilities:\n              drop: [\"ALL\"]\n          volumeMounts:\n            - name: config", "allowPrivilegeEscalation is not false"},
		{"no requests", "            requests:\n              cpu: 50m\n              memory: 64Mi\n", "", "no cpu and memory requests"},
		{"no limit", "            limits:\n              memory: 256Mi\n", "", "no memory limit"},
		{"mount without volume", "            - name: socket\n              mountPath: /run/app\n            - name: buffer", "            - name: sock\n              mountPath: /run/app\n            - name: buffer", "mount sock at /run/app has no volume"},
		{"config not from configmap", `"/etc/s3append/conf/s3append.yaml"`, `"/etc/s3append/s3append.yaml"`, "the configuration /etc/s3append/s3append.yaml is not from a ConfigMap"},
		{"configmap key", "  s3append.yaml: |", "  sidecar.yaml: |", "ConfigMap app-s3append has no key s3append.yaml"},
		{"configmap name", "            name: app-s3append\n", "            name: app-s3a\n", "names no ConfigMap app-s3a"},
		// The checks below read the configuration: they need the source
		// types of sidecar.Kinds.
		{"env missing", "            - name: S3_REGION\n              value: eu-west-1\n", "", "uses ${S3_REGION}, which is not set"},
		{"unknown setting", "        socket_mode: \"0660\"", "        socket_mod: \"0660\"", `"socket_mod" is not a setting of a lines source`},
		{"probe port", "            httpGet:\n              path: /healthz\n              port: metrics", "            httpGet:\n              path: /healthz\n              port: 8080", "livenessProbe port 8080 (8080) is not metrics_listen's port 2021"},
		{"scrape port", `prometheus.io/port: "2021"`, `prometheus.io/port: "2020"`, "prometheus.io/port \"2020\" is not metrics_listen's port 2021"},
		{"metrics port", "containerPort: 2021", "containerPort: 2022", "container port 2022 (metrics): no source or metrics_listen listens there"},
		{"metrics elsewhere", "metrics_listen: 0.0.0.0:2021", "metrics_listen: 0.0.0.0:2022", "readinessProbe port metrics (2021) is not metrics_listen's port 2022"},
		{"tcp source without port", "    sources:\n", "    sources:\n      - type: otlp\n        listen: 0.0.0.0:4318\n", "no container port 4318 for source otlp.0"},
		{"socket off volume", "listen: unix:///run/app/log.sock", "listen: unix:///run/log.sock", "the socket /run/log.sock of source lines.0 is on no volume"},
		{"socket not shared", "          volumeMounts:\n            - name: socket\n              mountPath: /run/app\n      volumes:", "      volumes:", "no other container mounts volume socket"},
		{"socket read-only", "            - name: socket\n              mountPath: /run/app\n            - name: buffer", "            - name: socket\n              mountPath: /run/app\n              readOnly: true\n            - name: buffer", "is mounted read-only"},
		{"socket mode", `socket_mode: "0660"`, `socket_mode: "0600"`, "container app cannot connect to /run/app/log.sock: socket_mode 0600"},
		{"no fsGroup", "        fsGroup: 65532\n", "", "container app cannot connect"},
		{"socket mode unset", "        socket_mode: \"0660\"\n", "", "socket_mode \"\": set it"},
		{"store on emptyDir", "          persistentVolumeClaim:\n            claimName: app-s3append-buffer", "          emptyDir: {}", "store_dir /var/lib/s3append is on emptyDir buffer, which is lost with the pod"},
		{"store off volume", "store_dir: /var/lib/s3append", "store_dir: /var/lib/other", "store_dir /var/lib/other of output s3append.0 is on no volume"},
		{"claim missing", "claimName: app-s3append-buffer", "claimName: app-buffer", "names no claim app-buffer"},
		{"unbounded", "        store_dir_limit_size: 4G\n", "", "store_dir_limit_size 0 is not below the claim app-s3append-buffer's 5Gi"},
		{"over claim", "store_dir_limit_size: 4G", "store_dir_limit_size: 6G", "is not below the claim"},
		{"grace", "terminationGracePeriodSeconds: 45", "terminationGracePeriodSeconds: 20", "terminationGracePeriodSeconds 20 is not above output s3append.0's shutdown_timeout 20s"},
	} {
		expectRefusal(t, r.name, checkSidecarManifest(mutate(t, real, r.old, r.new)), r.want)
	}
}
