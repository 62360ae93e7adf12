package lint

import (
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/s3append/s3append/source"
)

// podInputs is a pod template that runs the sidecar image, with what its
// checks look up: the other objects of the file and, for a StatefulSet,
// the claims each replica gets.
type podInputs struct {
	where          string
	m              *manifest
	ns             string
	template       corev1.PodTemplateSpec
	claimTemplates []corev1.PersistentVolumeClaim
}

// s3appendPod is what the pod check found, for the checks of each example.
type s3appendPod struct {
	ctr    corev1.Container
	native bool         // an init container with restartPolicy Always
	sf     *sidecarFile // cfg nil when s3append would refuse it
	// volumeAt returns the volume mounted in ctr where p lives.
	volumeAt func(p string) (corev1.Volume, corev1.VolumeMount, bool)
}

// checkS3appendPod checks a pod that runs s3append: a ServiceAccount with
// an IRSA role; a pinned image started as the image starts it; non-root,
// read-only root, no privilege escalation; bounded resources; probes on
// /healthz and /readyz; every mount with its volume; the configuration
// from a ConfigMap, accepted by s3append with the container's env. With
// the configuration it checks that probes and Prometheus use the metrics
// port, that container ports and listen ports agree, that unix sockets are
// on a volume another container shares and may write, that every buffer
// is on a writable volume that outlives the pod and is bounded below the
// claim's size, and that the grace period covers shutdown_timeout.
func checkS3appendPod(found *problems, in podInputs) *s3appendPod {
	pod := in.template.Spec
	where := in.where
	sp := &s3appendPod{sf: &sidecarFile{}}
	if i := slices.IndexFunc(pod.InitContainers, func(c corev1.Container) bool { return c.Name == "s3append" }); i >= 0 {
		sp.ctr = pod.InitContainers[i]
		rp := sp.ctr.RestartPolicy
		sp.native = rp != nil && *rp == corev1.ContainerRestartPolicyAlways
	} else if i := slices.IndexFunc(pod.Containers, func(c corev1.Container) bool { return c.Name == "s3append" }); i >= 0 {
		sp.ctr = pod.Containers[i]
	} else {
		found.add("%s: no container named s3append", where)
		return nil
	}
	ctr := sp.ctr
	where += ": container s3append"
	checkPodServiceAccount(found, in)
	checkPinned(found, where+": image "+ctr.Image, ctr.Image)
	if len(ctr.Command) > 0 && !slices.Equal(ctr.Command, []string{sidecarBinary}) {
		found.add("%s: command %q, want the image's %s", where, ctr.Command, sidecarBinary)
	}
	checkHardening(found, where, pod.SecurityContext, ctr.SecurityContext)
	if res := ctr.Resources; res.Requests.Cpu().IsZero() || res.Requests.Memory().IsZero() {
		found.add("%s: no cpu and memory requests", where)
	}
	if ctr.Resources.Limits.Memory().IsZero() {
		found.add("%s: no memory limit", where)
	}
	probes := map[string]*corev1.Probe{"livenessProbe": ctr.LivenessProbe, "readinessProbe": ctr.ReadinessProbe}
	wantPath := map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz", "startupProbe": "/readyz"}
	if sp.native {
		// The kubelet starts the application once this passes.
		probes["startupProbe"] = ctr.StartupProbe
	}
	for name, p := range probes {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != wantPath[name] {
			found.add("%s: want a %s httpGet %s", where, name, wantPath[name])
			probes[name] = nil
		}
	}

	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
	}
	for _, c := range in.claimTemplates {
		volumes[c.Name] = corev1.Volume{Name: c.Name, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: c.Name}}}
	}
	mounted := map[string]bool{}
	for _, c := range append(slices.Clone(pod.InitContainers), pod.Containers...) {
		for _, vm := range c.VolumeMounts {
			mounted[vm.Name] = true
			if _, ok := volumes[vm.Name]; !ok {
				found.add("%s: container %s: mount %s at %s has no volume", in.where, c.Name, vm.Name, vm.MountPath)
			}
		}
	}
	for name := range volumes {
		if !mounted[name] {
			found.add("%s: volume %s is not mounted", in.where, name)
		}
	}
	sp.volumeAt = func(p string) (corev1.Volume, corev1.VolumeMount, bool) {
		return volumeAt(ctr, volumes, p)
	}

	i := slices.Index(ctr.Args, "-c")
	if i < 0 || i+1 >= len(ctr.Args) {
		found.add("%s: args %q name no configuration with -c", where, ctr.Args)
		return sp
	}
	confPath := ctr.Args[i+1]
	v, vm, ok := sp.volumeAt(confPath)
	if !ok || v.ConfigMap == nil {
		found.add("%s: the configuration %s is not from a ConfigMap volume", where, confPath)
		return sp
	}
	key := strings.TrimPrefix(confPath, strings.TrimSuffix(vm.MountPath, "/")+"/")
	for _, item := range v.ConfigMap.Items {
		if item.Path == key {
			key = item.Key
		}
	}
	cm, ok := configMapNamed(in.m, v.ConfigMap.Name, in.ns)
	if !ok {
		found.add("%s: volume %s names no ConfigMap %s in namespace %s", in.where, v.Name, v.ConfigMap.Name, in.ns)
		return sp
	}
	text, ok := cm.Data[key]
	if !ok {
		found.add("%s: ConfigMap %s has no key %s, which s3append runs as %s", in.where, cm.Name, key, confPath)
		return sp
	}
	env := map[string]string{}
	for _, e := range ctr.Env {
		env[e.Name] = e.Value
		if e.ValueFrom != nil {
			env[e.Name] = "set-from-" + e.Name
		}
	}
	sf, bad := checkSidecarConfig(in.where+": ConfigMap "+cm.Name+" "+key, text, env)
	*found = append(*found, bad...)
	sp.sf = sf
	if sf.cfg == nil {
		return sp
	}
	checkPodPorts(found, where, in, sp, probes)
	checkSockets(found, where, in, sp)
	checkBuffers(found, where, in, sp)
	for _, o := range sf.cfg.Outputs {
		if g := pod.TerminationGracePeriodSeconds; g == nil || time.Duration(*g)*time.Second <= o.Conf.ShutdownTimeout {
			found.add("%s: terminationGracePeriodSeconds %s is not above output %s's shutdown_timeout %v", in.where, fmtSeconds(g), o.Name, o.Conf.ShutdownTimeout)
		}
	}
	return sp
}

func fmtSeconds(g *int64) string {
	if g == nil {
		return "unset (30)"
	}
	return strconv.FormatInt(*g, 10)
}

// volumeAt returns the volume mounted in ctr where p lives.
func volumeAt(ctr corev1.Container, volumes map[string]corev1.Volume, p string) (corev1.Volume, corev1.VolumeMount, bool) {
	var best corev1.VolumeMount
	for _, vm := range ctr.VolumeMounts {
		if under(p, vm.MountPath) && len(vm.MountPath) > len(best.MountPath) {
			best = vm
		}
	}
	v, ok := volumes[best.Name]
	return v, best, ok && best.MountPath != ""
}

// checkPodServiceAccount checks that the pod runs as a ServiceAccount of
// the file with an IRSA role.
func checkPodServiceAccount(found *problems, in podInputs) {
	name := in.template.Spec.ServiceAccountName
	if name == "" {
		found.add("%s: no serviceAccountName", in.where)
		return
	}
	i := slices.IndexFunc(in.m.serviceAccounts, func(sa corev1.ServiceAccount) bool { return sa.Name == name && sa.Namespace == in.ns })
	if i < 0 {
		found.add("%s: no ServiceAccount %s in namespace %s", in.where, name, in.ns)
		return
	}
	checkIRSA(found, in.where+": ServiceAccount "+name, in.m.serviceAccounts[i].Annotations)
}

// checkHardening checks that s3append runs as non-root, on a read-only
// root file system (it writes only to its buffer volume) and cannot gain
// privileges.
func checkHardening(found *problems, where string, pod *corev1.PodSecurityContext, c *corev1.SecurityContext) {
	if c == nil {
		c = &corev1.SecurityContext{}
	}
	nonRoot := c.RunAsNonRoot
	if nonRoot == nil && pod != nil {
		nonRoot = pod.RunAsNonRoot
	}
	if nonRoot == nil || !*nonRoot {
		found.add("%s: runAsNonRoot is not true", where)
	}
	if c.ReadOnlyRootFilesystem == nil || !*c.ReadOnlyRootFilesystem {
		found.add("%s: readOnlyRootFilesystem is not true", where)
	}
	if c.AllowPrivilegeEscalation == nil || *c.AllowPrivilegeEscalation {
		found.add("%s: allowPrivilegeEscalation is not false", where)
	}
}

// containerPort resolves a probe's or a Service's port, a number or a name.
func containerPort(ctr corev1.Container, p intstr.IntOrString) (int32, bool) {
	for _, cp := range ctr.Ports {
		if p.Type == intstr.String && cp.Name == p.StrVal || p.Type == intstr.Int && cp.ContainerPort == p.IntVal {
			return cp.ContainerPort, true
		}
	}
	if p.Type == intstr.Int {
		return p.IntVal, false
	}
	return 0, false
}

// checkPodPorts checks that probes and Prometheus use metrics_listen's
// port, that every source reachable from outside the pod has its
// container port, and that every container port has a listener.
func checkPodPorts(found *problems, where string, in podInputs, sp *s3appendPod, probes map[string]*corev1.Probe) {
	cfg := sp.sf.cfg
	metrics := metricsPort(cfg)
	if metrics == 0 {
		return // reported by checkSidecarConfig
	}
	for name, p := range probes {
		if p == nil {
			continue
		}
		if port, ok := containerPort(sp.ctr, p.HTTPGet.Port); port != metrics {
			if !ok {
				found.add("%s: %s port %s is no container port", where, name, p.HTTPGet.Port.String())
			}
			found.add("%s: %s port %s (%d) is not metrics_listen's port %d", where, name, p.HTTPGet.Port.String(), port, metrics)
		}
	}
	var ports []int32
	for _, p := range sp.ctr.Ports {
		ports = append(ports, p.ContainerPort)
	}
	checkScrape(found, where, in.template.Annotations, ports, cfg.Service.MetricsListen)
	listened := map[int32]bool{metrics: true}
	for _, s := range cfg.Sources {
		host, port, ok := tcpListen(s.Listen)
		if !ok {
			continue
		}
		if !unspecified(host) {
			continue // for the pod's own containers only
		}
		listened[port] = true
		if !slices.Contains(ports, port) {
			found.add("%s: no container port %d for source %s (%s)", where, port, s.Name, s.Listen)
		}
	}
	for _, p := range sp.ctr.Ports {
		if !listened[p.ContainerPort] {
			found.add("%s: container port %d (%s): no source or metrics_listen listens there from outside the pod", where, p.ContainerPort, p.Name)
		}
	}
}

// checkSockets checks each unix socket source: its directory is a volume
// s3append may write to, another container of the pod mounts it, and
// socket_mode lets that container's user connect.
func checkSockets(found *problems, where string, in podInputs, sp *s3appendPod) {
	pod := in.template.Spec
	for i, s := range sp.sf.cfg.Sources {
		network, sock, err := source.SplitListen(s.Listen)
		if err != nil || network != "unix" {
			continue
		}
		dir := path.Dir(sock)
		v, vm, ok := sp.volumeAt(sock)
		if !ok {
			found.add("%s: the socket %s of source %s is on no volume: no other container can reach it", where, sock, s.Name)
			continue
		}
		if vm.ReadOnly {
			found.add("%s: the socket directory %s is mounted read-only: s3append cannot create %s", where, dir, sock)
		}
		mode, err := strconv.ParseUint(sp.sf.setting(i, "socket_mode"), 8, 32)
		if err != nil {
			found.add("%s: source %s: socket_mode %q: set it, so that who may connect is written down", where, s.Name, sp.sf.setting(i, "socket_mode"))
			continue
		}
		clients := 0
		for _, c := range append(slices.Clone(pod.InitContainers), pod.Containers...) {
			if c.Name == sp.ctr.Name || !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.Name == v.Name }) {
				continue
			}
			clients++
			if !mayConnect(pod, sp.ctr, c, mode) {
				found.add("%s: container %s cannot connect to %s: socket_mode %04o gives its user no write permission", in.where, c.Name, sock, mode)
			}
		}
		if clients == 0 {
			found.add("%s: no other container mounts volume %s, so nothing can write to the socket %s", in.where, v.Name, sock)
		}
	}
}

// mayConnect says whether client may connect to a socket server creates
// with mode: connecting to a unix socket takes write permission on it.
// The socket belongs to server's user and group, or to the pod's fsGroup
// when the volume is set-group-ID, as Kubernetes makes volumes it owns
// for an fsGroup.
func mayConnect(pod corev1.PodSpec, server, client corev1.Container, mode uint64) bool {
	if mode&0o002 != 0 {
		return true
	}
	serverUID, serverGID := ids(pod, server)
	clientUID, clientGID := ids(pod, client)
	if mode&0o200 != 0 && serverUID != nil && clientUID != nil && *serverUID == *clientUID {
		return true
	}
	if mode&0o020 == 0 {
		return false
	}
	var owners, groups []int64
	if serverGID != nil {
		owners = append(owners, *serverGID)
	}
	if clientGID != nil {
		groups = append(groups, *clientGID)
	}
	if sc := pod.SecurityContext; sc != nil {
		if sc.FSGroup != nil {
			owners = append(owners, *sc.FSGroup)
			groups = append(groups, *sc.FSGroup)
		}
		groups = append(groups, sc.SupplementalGroups...)
	}
	return slices.ContainsFunc(owners, func(g int64) bool { return slices.Contains(groups, g) })
}

// ids are a container's user and group as set in the manifest (nil: the
// image's, which the manifest does not show).
func ids(pod corev1.PodSpec, c corev1.Container) (uid, gid *int64) {
	if sc := pod.SecurityContext; sc != nil {
		uid, gid = sc.RunAsUser, sc.RunAsGroup
	}
	if sc := c.SecurityContext; sc != nil {
		if sc.RunAsUser != nil {
			uid = sc.RunAsUser
		}
		if sc.RunAsGroup != nil {
			gid = sc.RunAsGroup
		}
	}
	return uid, gid
}

// checkBuffers checks that every output's store_dir is on a writable
// volume that outlives the pod, and that store_dir_limit_size bounds it
// below the claim's size, so a full buffer makes s3append answer "retry"
// rather than the disk failing under it.
func checkBuffers(found *problems, where string, in podInputs, sp *s3appendPod) {
	for _, o := range sp.sf.cfg.Outputs {
		dir := o.Conf.StoreDir
		v, vm, ok := sp.volumeAt(dir)
		switch {
		case !ok:
			found.add("%s: store_dir %s of output %s is on no volume: lost with the container", where, dir, o.Name)
			continue
		case vm.ReadOnly:
			found.add("%s: store_dir %s is on a read-only mount", where, dir)
		case v.EmptyDir != nil:
			found.add("%s: store_dir %s is on emptyDir %s, which is lost with the pod", where, dir, v.Name)
			continue
		case v.PersistentVolumeClaim == nil && v.HostPath == nil:
			found.add("%s: store_dir %s is on volume %s, neither a claim nor a hostPath", where, dir, v.Name)
			continue
		}
		if v.PersistentVolumeClaim == nil {
			continue
		}
		claims := append(slices.Clone(in.claimTemplates), in.m.claims...)
		i := slices.IndexFunc(claims, func(c corev1.PersistentVolumeClaim) bool {
			return c.Name == v.PersistentVolumeClaim.ClaimName && (c.Namespace == "" || c.Namespace == in.ns)
		})
		if i < 0 {
			found.add("%s: volume %s names no claim %s of this file", in.where, v.Name, v.PersistentVolumeClaim.ClaimName)
			continue
		}
		size := claims[i].Spec.Resources.Requests.Storage()
		if limit := o.Conf.StoreDirLimitSize; limit <= 0 || limit >= size.Value() {
			found.add("%s: output %s: store_dir_limit_size %d is not below the claim %s's %s: the disk would fill before s3append stops taking records", where, o.Name, limit, claims[i].Name, size.String())
		}
	}
}
