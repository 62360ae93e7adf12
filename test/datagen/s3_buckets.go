package datagen

import (
	"fmt"
	"strings"
)

// assetsRequest: CloudFront fetching website assets, and the deploy job
// uploading new ones.
func (c *s3Ctx) assetsRequest(cl s3Client) s3Request {
	rng := c.rng
	r := c.begin(cl)
	var key string
	switch weighted(rng, []int{35, 10, 40, 10, 5}) {
	case 0:
		key = fmt.Sprintf("static/js/%s.%s.js", pick(rng, []string{"main", "vendor", "runtime", "checkout", "account"}), randString(rng, lowerHex, 8))
	case 1:
		key = fmt.Sprintf("static/css/%s.%s.css", pick(rng, []string{"main", "checkout"}), randString(rng, lowerHex, 8))
	case 2:
		key = fmt.Sprintf("img/products/%d/%s-%dw.webp", logNormal(rng, 40000, 1.5), pick(rng, []string{"front", "back", "detail", "lifestyle"}), pick(rng, []int{320, 640, 1280}))
	case 3:
		key = fmt.Sprintf("fonts/%s.%s.woff2", pick(rng, []string{"inter-var", "inter-var-italic", "icons"}), randString(rng, lowerHex, 8))
	default:
		key = pick(rng, []string{"index.html", "robots.txt", "sitemap.xml", "manifest.json"})
	}
	size := c.objectSize(25_000)
	if !strings.HasPrefix(cl.requester, "svc:") {
		c.call(&r, "PUT", "OBJECT", key, "")
		c.sized(&r, 0, size, true)
		return r
	}
	switch weighted(rng, []int{80, 3, 10, 5, 2}) {
	case 0:
		c.call(&r, "GET", "OBJECT", key, "")
		c.sized(&r, size, size, false)
	case 1:
		c.call(&r, "HEAD", "OBJECT", key, "")
		c.sized(&r, 0, size, false)
	case 2: // CloudFront revalidating with If-None-Match
		c.call(&r, "GET", "OBJECT", key, "")
		c.sized(&r, 0, size, false)
		r.status = 304
	case 3:
		c.call(&r, "GET", "OBJECT", strings.Replace(key, "static/", "static/legacy/", 1), "")
		c.fail(&r, 404, "NoSuchKey")
	default:
		c.call(&r, "GET", "OBJECT", "."+pick(rng, []string{"env", "git/config", "aws/credentials"}), "")
		c.fail(&r, 403, "AccessDenied")
	}
	return r
}

var lakeTables = []string{"events", "orders", "sessions", "clicks", "inventory_snapshots", "payments"}

// dataLakeRequest: Spark, Glue and Athena reading and writing Parquet.
func (c *s3Ctx) dataLakeRequest(cl s3Client) s3Request {
	rng := c.rng
	r := c.begin(cl)
	if strings.Contains(cl.requester, "athena") && chance(rng, 0.15) {
		ap := "analytics-ap"
		r.hostHeader = fmt.Sprintf("%s-%s.s3-accesspoint.%s.amazonaws.com", ap, c.a.accountID, c.a.region)
		r.accessPoint = fmt.Sprintf("arn:aws:s3:%s:%s:accesspoint/%s", c.a.region, c.a.accountID, ap)
	}
	table := pick(rng, lakeTables)
	dir := fmt.Sprintf("warehouse/%s/dt=%s/", table, c.day("2006-01-02"))
	key := fmt.Sprintf("%spart-%05d-%s-c000.zstd.parquet", dir, rng.IntN(200), uuid4(rng))
	size := c.objectSize(48 << 20)
	switch weighted(rng, []int{40, 15, 15, 8, 8, 4, 2, 3}) {
	case 0: // ranged read of a column chunk or the footer
		c.call(&r, "GET", "OBJECT", key, "")
		c.sized(&r, min(size, c.objectSize(2<<20)), size, false)
		r.status = 206
	case 1:
		c.call(&r, "HEAD", "OBJECT", key, "")
		c.sized(&r, 0, size, false)
	case 2:
		prefix := strings.NewReplacer("/", "%2F", "=", "%3D").Replace(dir)
		c.call(&r, "GET", "BUCKET", "", "list-type=2&delimiter=%2F&max-keys=5000&prefix="+prefix+"&fetch-owner=false&encoding-type=url")
		c.sized(&r, logNormal(rng, 12_000, 1), -1, false)
	case 3:
		c.call(&r, "PUT", "OBJECT", key, "")
		c.sized(&r, 0, c.objectSize(6<<20), true)
	case 4:
		c.multipart(&r, key, 64<<20)
	case 5:
		c.call(&r, "DELETE", "OBJECT", strings.Replace(key, "warehouse/", "warehouse/_temporary/0/", 1), "")
		r.status = 204
		c.sized(&r, 0, -1, false)
	case 6:
		c.call(&r, "GET", "OBJECT", key, "")
		c.fail(&r, 503, "SlowDown")
	default:
		c.call(&r, "HEAD", "OBJECT", dir+"_SUCCESS", "")
		c.fail(&r, 404, "NoSuchKey")
		r.bytesSent = -1 // HEAD responses carry no body
	}
	return r
}

// multipart makes one step of a multipart upload of parts of partSize:
// mostly part uploads, with the create and complete calls around them.
func (c *s3Ctx) multipart(r *s3Request, key string, partSize int) {
	rng, id := c.rng, c.uploadID()
	switch weighted(rng, []int{1, 10, 1}) {
	case 0:
		c.call(r, "POST", "UPLOADS", key, "uploads")
		c.sized(r, between(rng, 320, 480), -1, false)
	case 1:
		c.call(r, "PUT", "PART", key, fmt.Sprintf("partNumber=%d&uploadId=%s", between(rng, 1, 60), id))
		c.sized(r, 0, partSize-rng.IntN(partSize/8), true)
	default:
		c.call(r, "POST", "UPLOAD", key, "uploadId="+id)
		c.sized(r, between(rng, 300, 420), partSize*between(rng, 2, 60), false)
		c.version(r)
	}
}

// backupsRequest: Velero and pgBackRest writing nightly backups.
func (c *s3Ctx) backupsRequest(cl s3Client) s3Request {
	rng := c.rng
	r := c.begin(cl)
	night := c.day("20060102") + "020000"
	var key string
	if strings.HasSuffix(cl.requester, "/velero") {
		key = pick(rng, []string{
			fmt.Sprintf("velero/backups/daily-%s/daily-%s.tar.gz", night, night),
			fmt.Sprintf("velero/kopia/%s/p%s", pick(rng, appNamespaces), randString(rng, lowerHex, 32)),
		})
	} else {
		key = fmt.Sprintf("pgbackrest/orders-db/archive/orders-db/16-1/0000000100000A%02X/0000000100000A%02X000000%02X-%s.gz",
			rng.IntN(256), rng.IntN(256), rng.IntN(256), randString(rng, lowerHex, 40))
	}
	switch weighted(rng, []int{50, 20, 10, 10, 5, 5}) {
	case 0:
		c.multipart(&r, key, 16<<20)
	case 1:
		c.call(&r, "PUT", "OBJECT", key, "x-id=PutObject")
		c.sized(&r, 0, c.objectSize(4<<20), true)
		c.version(&r)
	case 2:
		prefix := strings.ReplaceAll(key[:strings.LastIndexByte(key, '/')+1], "/", "%2F")
		c.call(&r, "GET", "BUCKET", "", "list-type=2&prefix="+prefix)
		c.sized(&r, logNormal(rng, 8_000, 1), -1, false)
	case 3:
		c.call(&r, "HEAD", "OBJECT", key, "")
		c.sized(&r, 0, c.objectSize(4<<20), false)
		c.version(&r)
	case 4:
		size := c.objectSize(4 << 20)
		c.call(&r, "GET", "OBJECT", key, "x-id=GetObject")
		c.sized(&r, size, size, false)
		c.version(&r)
	default:
		c.call(&r, "DELETE", "OBJECT", key, "x-id=DeleteObject")
		r.status = 204
		c.sized(&r, 0, -1, false)
		c.version(&r)
	}
	return r
}

var uploadNames = []string{"IMG_%04d.jpg", "invoice-%d.pdf", "avatar-%d.png", "receipt_%d.heic", "Screenshot %d.png"}

// uploadsRequest: browsers using presigned URLs, and the function that
// makes thumbnails of what they upload.
func (c *s3Ctx) uploadsRequest(cl s3Client) s3Request {
	rng := c.rng
	r := c.begin(cl)
	id := uuid4(rng)
	key := fmt.Sprintf("uploads/%s/%s/%s", c.t.Format("2006/01"), id, fmt.Sprintf(pick(rng, uploadNames), rng.IntN(10000)))
	size := c.objectSize(900_000)
	if strings.Contains(cl.requester, "uploads-processor") {
		if chance(rng, 0.5) {
			c.call(&r, "GET", "OBJECT", key, "x-id=GetObject")
			c.sized(&r, size, size, false)
		} else {
			c.call(&r, "PUT", "OBJECT", fmt.Sprintf("thumbnails/%s/%dw.webp", id, pick(rng, []int{128, 512})), "x-id=PutObject")
			c.sized(&r, 0, c.objectSize(20_000), true)
		}
		c.version(&r)
		return r
	}
	// A browser: its own address and agent, the app as referer.
	r.remoteIP, r.userAgent = publicIP(rng), pick(rng, browserAgents)
	r.referer = fmt.Sprintf("https://app.%s.example/%s", c.a.company, pick(rng, []string{"documents", "profile", "expenses/new"}))
	r.authType = "QueryString"
	switch weighted(rng, []int{40, 45, 6, 9}) {
	case 0:
		c.call(&r, "PUT", "OBJECT", key, c.presigned("PutObject"))
		c.sized(&r, 0, size, true)
		c.version(&r)
	case 1:
		c.call(&r, "GET", "OBJECT", key, c.presigned("GetObject"))
		c.sized(&r, size, size, false)
		c.version(&r)
	case 2: // the link expired
		c.call(&r, "GET", "OBJECT", key, c.presigned("GetObject"))
		c.fail(&r, 403, "AccessDenied")
	default: // CORS preflight: anonymous, unsigned
		c.call(&r, "OPTIONS", "PREFLIGHT", key, "")
		r.requester, r.authType = "", ""
		c.sized(&r, 0, -1, false)
	}
	return r
}

// presigned returns the query string of a SigV4 presigned URL.
func (c *s3Ctx) presigned(op string) string {
	signed := c.t.Add(-expDuration(c.rng, 90e9))
	return fmt.Sprintf("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%s%%2F%s%%2F%s%%2Fs3%%2Faws4_request&X-Amz-Date=%s&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=%s&x-id=%s",
		c.a.presignKey, signed.Format("20060102"), c.a.region, signed.Format("20060102T150405Z"), randString(c.rng, lowerHex, 64), op)
}

// logsRequest: Fluent Bit shipping container logs, and an analyst
// querying them.
func (c *s3Ctx) logsRequest(cl s3Client) s3Request {
	rng := c.rng
	r := c.begin(cl)
	// s3_key_format /logs/$TAG[4]/%Y/%m/%d/%H/%M/%S-$UUID
	key := fmt.Sprintf("logs/%s/%s-%s", pick(rng, appCatalogue).name, c.t.Format("2006/01/02/15/04/05"), randString(rng, alnum, 8))
	if strings.Contains(cl.requester, "athena") {
		if chance(rng, 0.3) {
			c.call(&r, "GET", "BUCKET", "", "list-type=2&prefix=logs%2F&delimiter=%2F&encoding-type=url")
			c.sized(&r, logNormal(rng, 30_000, 0.8), -1, false)
		} else {
			size := c.objectSize(2 << 20)
			c.call(&r, "GET", "OBJECT", key, "")
			c.sized(&r, size, size, false)
		}
		return r
	}
	if chance(rng, 0.6) {
		c.call(&r, "PUT", "OBJECT", key, "")
		c.sized(&r, 0, c.objectSize(1<<20), true)
		if chance(rng, 0.01) {
			c.fail(&r, 503, "SlowDown")
		}
		return r
	}
	c.multipart(&r, key, 5<<20)
	return r
}
