package datagen

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Cluster shape: a fixed node count, five system namespaces plus a seeded
// choice of application namespaces, and about sixty pods.
const (
	nodeCount         = 8
	appNamespaceCount = 7
	appWorkloadCount  = 18
)

var (
	systemNamespaces = []string{"kube-system", "ingress-nginx", "logging", "monitoring", "cert-manager"}
	appNamespaces    = []string{"shop", "payments", "checkout", "catalog", "identity", "search", "data",
		"notifications", "web", "platform", "analytics", "ml", "billing", "media", "default"}
	regions = []string{"eu-west-1", "us-east-1", "us-west-2", "eu-central-1", "ap-southeast-2"}
	tiers   = []string{"frontend", "backend", "worker", "data"}
)

// appSpec is one application the cluster may run.
type appSpec struct {
	name     string
	team     string // image path element in the private registry
	style    logStyle
	tier     int // index into tiers
	volume   int // relative log lines per pod
	stateful bool
}

var appCatalogue = []appSpec{
	{"checkout-api", "shop", styleSpring, 1, 6, false},
	{"orders-service", "shop", styleSpringJSON, 1, 5, false},
	{"payments-gateway", "payments", styleSpring, 1, 3, false},
	{"inventory-service", "shop", styleZap, 1, 4, false},
	{"catalog-api", "catalog", styleZap, 1, 6, false},
	{"user-service", "identity", styleLogrus, 1, 3, false},
	{"auth-service", "identity", styleZap, 1, 5, false},
	{"frontend", "web", styleNginx, 0, 8, false},
	{"storefront-web", "web", stylePino, 0, 6, false},
	{"cart-service", "shop", stylePino, 1, 4, false},
	{"recommendations", "ml", stylePython, 1, 3, false},
	{"search-api", "search", stylePython, 1, 4, false},
	{"notification-worker", "notify", styleLogrus, 2, 2, false},
	{"email-sender", "notify", stylePython, 2, 2, false},
	{"shipping-service", "shop", styleSpringJSON, 1, 3, false},
	{"pricing-engine", "pricing", styleSpring, 1, 3, false},
	{"image-resizer", "media", styleZap, 2, 2, false},
	{"report-generator", "analytics", stylePython, 2, 1, false},
	{"analytics-ingest", "analytics", styleZap, 1, 5, false},
	{"admin-portal", "web", styleNginx, 0, 1, false},
	{"session-cache", "", styleRedis, 3, 1, true},
	{"orders-db", "", stylePostgres, 3, 2, true},
}

// pod is one running container and the metadata the kubernetes filter
// attaches to its records.
type pod struct {
	name, namespace, id, host  string
	container, dockerID, image string
	imageHash                  string
	labels                     [][2]string // ordered, so building the map makes no choices
	app                        string
	ip                         string
	style                      logStyle
	weight                     int
	pending                    []string // continuation lines (stack traces) not yet written
	pendingStderr              bool
}

// kubernetes returns a fresh copy of the filter's metadata map.
func (p *pod) kubernetes(compact bool) map[string]any {
	if compact {
		return map[string]any{
			"pod_name":       p.name,
			"namespace_name": p.namespace,
			"host":           p.host,
			"container_name": p.container,
		}
	}
	labels := make(map[string]any, len(p.labels))
	for _, kv := range p.labels {
		labels[kv[0]] = kv[1]
	}
	return map[string]any{
		"pod_name":        p.name,
		"namespace_name":  p.namespace,
		"pod_id":          p.id,
		"host":            p.host,
		"container_name":  p.container,
		"docker_id":       p.dockerID,
		"container_hash":  p.imageHash,
		"container_image": p.image,
		"labels":          labels,
	}
}

// cluster is the Kubernetes source: the pods of one seeded cluster and the
// burst of records currently being written.
type cluster struct {
	region    string
	account   string
	company   string
	nodes     []string
	pods      []*pod
	weights   []int
	services  []string // in-cluster DNS names of the app services
	clientIPs []string // addresses of the cluster's outside users
	domain    string
	cur       *pod
	burstLeft int
	line      lineCtx
	compact   bool // records carry only pod, namespace, container and node
}

// image is one container image at a fixed tag and digest.
type image struct{ ref, hash string }

func newImage(rng *rand.Rand, repo, tag string) image {
	return image{ref: repo + ":" + tag, hash: repo + "@sha256:" + randString(rng, lowerHex, 64)}
}

func newCluster(rng *rand.Rand) *cluster {
	c := &cluster{
		region:  pick(rng, regions),
		account: fmt.Sprintf("%012d", rng.Int64N(1e12)),
		company: pick(rng, companies),
	}
	c.domain = "shop." + c.company + ".example"
	for len(c.nodes) < nodeCount {
		ip := fmt.Sprintf("10.0.%d.%d", rng.IntN(256), between(rng, 4, 250))
		name := "ip-" + strings.ReplaceAll(ip, ".", "-")
		if c.region == "us-east-1" {
			name += ".ec2.internal"
		} else {
			name += "." + c.region + ".compute.internal"
		}
		if !slices.Contains(c.nodes, name) {
			c.nodes = append(c.nodes, name)
		}
	}
	for range 40 {
		c.clientIPs = append(c.clientIPs, publicIP(rng))
	}
	c.addSystemPods(rng)
	namespaces := make([]string, appNamespaceCount)
	for i, j := range rng.Perm(len(appNamespaces))[:appNamespaceCount] {
		namespaces[i] = appNamespaces[j]
	}
	for i, j := range rng.Perm(len(appCatalogue))[:appWorkloadCount] {
		ns := pick(rng, namespaces)
		if i < len(namespaces) { // every namespace runs something
			ns = namespaces[i]
		}
		c.addApp(rng, appCatalogue[j], ns)
	}
	for _, p := range c.pods {
		c.weights = append(c.weights, p.weight)
	}
	return c
}

func (c *cluster) addSystemPods(rng *rand.Rand) {
	ingress := newImage(rng, "registry.k8s.io/ingress-nginx/controller", "v1.11.3")
	c.addDeployment(rng, "ingress-nginx-controller", "ingress-nginx", "controller", ingress, styleIngress, 24, 2,
		[][2]string{{"app.kubernetes.io/name", "ingress-nginx"}, {"app.kubernetes.io/component", "controller"}})
	coredns := newImage(rng, "registry.k8s.io/coredns/coredns", "v1.11.3")
	c.addDeployment(rng, "coredns", "kube-system", "coredns", coredns, styleCoreDNS, 1, 2,
		[][2]string{{"k8s-app", "kube-dns"}})
	metrics := newImage(rng, "registry.k8s.io/metrics-server/metrics-server", "v0.7.2")
	c.addDeployment(rng, "metrics-server", "kube-system", "metrics-server", metrics, styleKlog, 1, 1,
		[][2]string{{"k8s-app", "metrics-server"}})
	certs := newImage(rng, "quay.io/jetstack/cert-manager-controller", "v1.16.1")
	c.addDeployment(rng, "cert-manager", "cert-manager", "cert-manager-controller", certs, styleKlog, 1, 1,
		[][2]string{{"app.kubernetes.io/name", "cert-manager"}, {"app.kubernetes.io/instance", "cert-manager"}})
	fluentbit := newImage(rng, "cr.fluentbit.io/fluent/fluent-bit", "3.2.2")
	c.addDaemonSet(rng, "fluent-bit", "logging", fluentbit, styleFluentBit, 1)
	exporter := newImage(rng, "quay.io/prometheus/node-exporter", "v1.8.2")
	c.addDaemonSet(rng, "node-exporter", "monitoring", exporter, styleGoKit, 1)
}

func (c *cluster) addApp(rng *rand.Rand, a appSpec, namespace string) {
	if a.stateful {
		c.addStatefulSet(rng, a, namespace)
		return
	}
	tag := fmt.Sprintf("v%d.%d.%d", between(rng, 1, 4), rng.IntN(60), rng.IntN(20))
	if chance(rng, 0.4) {
		tag = randString(rng, lowerHex, 7)
	}
	repo := fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s/%s", c.account, c.region, a.team, a.name)
	labels := [][2]string{{"app", a.name}, {"tier", tiers[a.tier]}}
	if chance(rng, 0.5) { // Helm charts label with the recommended keys
		labels = [][2]string{{"app.kubernetes.io/name", a.name}, {"app.kubernetes.io/instance", a.name + "-" + namespace}}
	}
	if chance(rng, 0.3) {
		labels = append(labels, [2]string{"version", tag})
	}
	c.addDeployment(rng, a.name, namespace, a.name, newImage(rng, repo, tag), a.style, a.volume, between(rng, 1, 4), labels)
	c.services = append(c.services, a.name+"."+namespace+".svc.cluster.local")
}

// addDeployment adds the pods of a ReplicaSet: one pod-template-hash, a
// random suffix per pod, spread over random nodes.
func (c *cluster) addDeployment(rng *rand.Rand, name, ns, container string, img image, style logStyle, volume, replicas int, labels [][2]string) {
	hash := randString(rng, kubeAlnum, 10)
	labels = append(labels, [2]string{"pod-template-hash", hash})
	for range replicas {
		c.addPod(rng, name+"-"+hash+"-"+randString(rng, kubeAlnum, 5), ns, container, pick(rng, c.nodes), img, style, volume, labels)
	}
}

func (c *cluster) addStatefulSet(rng *rand.Rand, a appSpec, ns string) {
	container, img := "redis", newImage(rng, "docker.io/library/redis", "7.4.1")
	if a.style == stylePostgres {
		container, img = "postgres", newImage(rng, "docker.io/library/postgres", "16.4")
	}
	revision := a.name + "-" + randString(rng, kubeAlnum, 10)
	for i := range between(rng, 1, 3) {
		name := fmt.Sprintf("%s-%d", a.name, i)
		labels := [][2]string{{"app", a.name}, {"controller-revision-hash", revision},
			{"statefulset.kubernetes.io/pod-name", name}}
		c.addPod(rng, name, ns, container, pick(rng, c.nodes), img, a.style, a.volume, labels)
	}
	c.services = append(c.services, a.name+"."+ns+".svc.cluster.local")
}

// addDaemonSet adds one pod per node.
func (c *cluster) addDaemonSet(rng *rand.Rand, name, ns string, img image, style logStyle, volume int) {
	revision := randString(rng, kubeAlnum, 10)
	labels := [][2]string{{"app.kubernetes.io/name", name}, {"controller-revision-hash", revision},
		{"pod-template-generation", fmt.Sprint(between(rng, 1, 6))}}
	for _, node := range c.nodes {
		c.addPod(rng, name+"-"+randString(rng, kubeAlnum, 5), ns, name, node, img, style, volume, labels)
	}
}

func (c *cluster) addPod(rng *rand.Rand, name, ns, container, node string, img image, style logStyle, volume int, labels [][2]string) {
	c.pods = append(c.pods, &pod{
		name: name, namespace: ns, id: uuid4(rng), host: node,
		container: container, dockerID: randString(rng, lowerHex, 64),
		image: img.ref, imageHash: img.hash, labels: labels, app: container,
		ip:    fmt.Sprintf("10.0.%d.%d", rng.IntN(256), between(rng, 2, 254)),
		style: style, weight: volume,
	})
}
