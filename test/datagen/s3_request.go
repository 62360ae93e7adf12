package datagen

import (
	"math/rand/v2"
	"strings"
	"time"
)

// s3Request holds the fields of one access-log record that vary by
// request. Empty strings and negative numbers are absent values, which
// the log writes as "-".
type s3Request struct {
	bucket                                               string
	remoteIP, requester, operation, key, uri, errorCode  string
	referer, userAgent, versionID, authType, hostHeader  string
	tls, cipher, accessPoint, aclRequired                string
	status, bytesSent, objectSize, totalTime, turnAround int
}

// s3Ctx is what the per-bucket request makers need.
type s3Ctx struct {
	rng *rand.Rand
	t   time.Time
	a   *s3Account
	b   *s3Bucket
}

// begin starts a request by client cl: identity, transport and defaults
// for a successful call with no body.
func (c *s3Ctx) begin(cl s3Client) s3Request {
	r := s3Request{
		bucket:    c.b.name,
		requester: cl.requester, userAgent: cl.userAgent, tls: cl.tls, cipher: cl.cipher,
		authType: "AuthHeader", status: 200, bytesSent: -1, objectSize: -1,
		hostHeader: c.b.name + ".s3." + c.a.region + ".amazonaws.com",
	}
	if len(cl.ips) > 0 {
		r.remoteIP = pick(c.rng, cl.ips)
	}
	if cl.pathStyle {
		r.hostHeader = "s3." + c.a.region + ".amazonaws.com"
	}
	return r
}

// call fills the operation, key and request line. A key of "" makes a
// bucket-level request; query is appended as given.
func (c *s3Ctx) call(r *s3Request, method, op, key, query string) {
	r.operation = "REST." + method + "." + op
	r.key = encodeKey(key)
	path := "/" + r.key
	if strings.HasPrefix(r.hostHeader, "s3.") {
		path = "/" + c.b.name + path
	}
	if query != "" {
		path += "?" + query
	}
	r.uri = method + " " + path + " HTTP/1.1"
}

// encodeKey URL-encodes the characters of generated keys that need it.
func encodeKey(key string) string {
	return strings.NewReplacer("=", "%3D", ":", "%3A", " ", "%20").Replace(key)
}

// sized sets the sizes and timings of a successful request: sent is the
// response body (0 for none), objectSize the object's size (-1 when the
// request has no object), and upload says the client sent the object.
func (c *s3Ctx) sized(r *s3Request, sent, objectSize int, upload bool) {
	r.bytesSent, r.objectSize = sent, objectSize
	if sent == 0 {
		r.bytesSent = -1 // "-" if zero, as AWS writes it
	}
	r.turnAround = logNormal(c.rng, 9, 0.8)
	moved := sent
	if upload {
		moved = objectSize
		r.turnAround = logNormal(c.rng, 5, 0.6)
	}
	// Clients move tens of MB/s; latency dominates small objects.
	r.totalTime = r.turnAround + moved/logNormal(c.rng, 40_000, 0.5)
}

// fail turns r into an error response with S3's small XML body.
func (c *s3Ctx) fail(r *s3Request, status int, code string) {
	r.status, r.errorCode = status, code
	r.bytesSent, r.objectSize = between(c.rng, 230, 380), -1
	r.turnAround = logNormal(c.rng, 4, 0.6)
	r.totalTime = r.turnAround + c.rng.IntN(3)
}

// version sets a version ID on versioned buckets.
func (c *s3Ctx) version(r *s3Request) {
	if c.b.versioned {
		r.versionID = randString(c.rng, alnum+"._", 32)
	}
}

// objectSize draws a size with the long tail of real buckets.
func (c *s3Ctx) objectSize(median float64) int { return logNormal(c.rng, median, 1.4) }

// uploadID is the opaque multipart upload ID S3 hands out.
func (c *s3Ctx) uploadID() string { return randString(c.rng, alnum+"._-", 88) }

// day is the UTC date partition of a key, usually today, else recent.
func (c *s3Ctx) day(layout string) string {
	return c.t.AddDate(0, 0, -weighted(c.rng, []int{70, 20, 10})).Format(layout)
}

// request makes one request against a randomly chosen bucket, or now
// and then a console user's look at the bucket's configuration.
func (a *s3Account) request(rng *rand.Rand, t time.Time) s3Request {
	c := &s3Ctx{rng: rng, t: t, a: a, b: a.buckets[weighted(rng, a.weights)]}
	if chance(rng, 0.01) {
		return c.consoleRequest()
	}
	cl := c.b.clients[weighted(rng, c.b.weights)]
	switch c.b.kind {
	case assetsBucket:
		return c.assetsRequest(cl)
	case dataLakeBucket:
		return c.dataLakeRequest(cl)
	case backupsBucket:
		return c.backupsRequest(cl)
	case uploadsBucket:
		return c.uploadsRequest(cl)
	default:
		return c.logsRequest(cl)
	}
}

func (c *s3Ctx) consoleRequest() s3Request {
	r := c.begin(c.a.console)
	sub := pick(c.rng, []string{"policy", "acl", "versioning", "location", "logging", "lifecycle", "encryption"})
	op := strings.ToUpper(sub)
	if sub == "policy" {
		op = "BUCKETPOLICY"
	}
	c.call(&r, "GET", op, "", sub)
	if sub == "acl" {
		r.aclRequired = "Yes"
	}
	c.sized(&r, between(c.rng, 100, 1500), -1, false)
	if sub == "lifecycle" && chance(c.rng, 0.5) {
		c.fail(&r, 404, "NoSuchLifecycleConfiguration")
	}
	return r
}
