package datagen

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// bucketKind is the workload a bucket serves; it decides who calls the
// bucket, with which operations and on which keys.
type bucketKind int

const (
	assetsBucket   bucketKind = iota // website assets behind CloudFront
	dataLakeBucket                   // Parquet tables read by Spark and Athena
	backupsBucket                    // nightly backups in multipart uploads
	uploadsBucket                    // user uploads through presigned URLs
	logsBucket                       // log shippers writing compressed objects
)

var (
	bucketNames   = [...]string{"%s-prod-static-assets", "%s-data-lake-%s", "%s-backups-%s", "%s-user-uploads", "%s-logs-%s"}
	bucketWeights = [...]int{40, 30, 8, 6, 10}
)

const s3BucketCount = 4

// s3Client is one caller of a bucket: an identity with its SDK, TLS
// settings and the addresses its requests come from.
type s3Client struct {
	requester, userAgent string
	tls, cipher          string
	ips                  []string
	pathStyle            bool
	weight               int
}

type s3Bucket struct {
	name      string
	kind      bucketKind
	versioned bool
	clients   []s3Client
	weights   []int
}

// s3Account is the S3Access source: one AWS account owning a few buckets
// whose access logs are delivered to the same place.
type s3Account struct {
	ownerID, accountID, region, company string
	presignKey                          string // access key ID in presigned URLs
	buckets                             []*s3Bucket
	weights                             []int
	console                             s3Client // a person browsing the console
}

// SDK user agents, as S3 logs them.
const (
	uaJavaV1  = "aws-sdk-java/1.12.772 Linux/5.10.228-219.884.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.13+11-LTS java/17.0.13 vendor/Amazon.com_Inc. cfg/retry-mode/standard"
	uaHadoop  = "Hadoop 3.4.0, aws-sdk-java/2.25.53 Linux/6.1.115-126.197.amzn2023.x86_64 OpenJDK_64-Bit_Server_VM/17.0.13+11-LTS Java/17.0.13 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/adaptive"
	uaAthena  = "aws-internal/3 aws-sdk-java/1.12.772 Linux/5.10.228-197.865.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/25.432-b06 java/1.8.0_432 vendor/Oracle_Corporation cfg/retry-mode/standard"
	uaGoV2    = "aws-sdk-go-v2/1.32.4 ua/2.1 os/linux lang/go#1.23.3 md/GOOS#linux md/GOARCH#amd64 api/s3#1.66.3 ft/s3-transfer m/G,Z"
	uaBoto    = "Boto3/1.35.63 md/Botocore#1.35.63 ua/2.0 os/linux#6.1.115-126.197.amzn2023.x86_64 md/arch#x86_64 lang/python#3.12.7 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.63"
	uaCLI     = "aws-cli/2.22.2 md/awscrt#0.22.0 ua/2.0 os/linux#6.1.115-126.197.amzn2023.x86_64 md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#amzn.2023 md/prompt#off md/command#s3.cp"
	uaConsole = "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.772 Linux/5.10.228-197.865.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/25.432-b06 java/1.8.0_432 vendor/Oracle_Corporation cfg/retry-mode/standard]"
)

const (
	tls12, cipher12 = "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256"
	tls13, cipher13 = "TLSv1.3", "TLS_AES_128_GCM_SHA256"
)

func newS3Account(rng *rand.Rand) *s3Account {
	a := &s3Account{
		ownerID:   randString(rng, lowerHex, 64),
		accountID: fmt.Sprintf("%012d", rng.Int64N(1e12)),
		region:    pick(rng, regions),
		company:   pick(rng, companies),
	}
	a.presignKey = "AKIA" + randString(rng, alnum[:26]+"234567", 16)
	person := pick(rng, []string{"jane.doe", "j.smith", "m.garcia", "a.nakamura", "p.novak"})
	a.console = s3Client{
		requester: fmt.Sprintf("arn:aws:sts::%s:assumed-role/AWSReservedSSO_AdministratorAccess_%s/%s@%s.example", a.accountID, randString(rng, lowerHex, 16), person, a.company),
		userAgent: uaConsole, tls: tls13, cipher: cipher13, ips: []string{publicIP(rng)},
	}
	for _, k := range rng.Perm(len(bucketNames))[:s3BucketCount] {
		b := &s3Bucket{kind: bucketKind(k), name: fmt.Sprintf(bucketNames[k], a.company, a.region)}
		if k == int(assetsBucket) || k == int(uploadsBucket) {
			b.name = fmt.Sprintf(bucketNames[k], a.company)
		}
		b.versioned = b.kind == backupsBucket || b.kind == uploadsBucket
		b.clients = a.clientsOf(rng, b.kind)
		for _, c := range b.clients {
			b.weights = append(b.weights, c.weight)
		}
		a.buckets = append(a.buckets, b)
		a.weights = append(a.weights, bucketWeights[k])
	}
	return a
}

// ipPool returns n addresses; prefix "" means public addresses.
func ipPool(rng *rand.Rand, prefix string, n int) []string {
	ips := make([]string, n)
	for i := range ips {
		if prefix == "" {
			ips[i] = publicIP(rng)
		} else {
			ips[i] = fmt.Sprintf("%s.%d.%d", prefix, rng.IntN(256), between(rng, 1, 254))
		}
	}
	return ips
}

func (a *s3Account) role(name, session string) string {
	return fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", a.accountID, name, session)
}

func (a *s3Account) clientsOf(rng *rand.Rand, k bucketKind) []s3Client {
	nat := ipPool(rng, "", 3) // the VPC's NAT gateways
	switch k {
	case assetsBucket:
		edges := append(ipPool(rng, "130.176", 20), ipPool(rng, "64.252", 20)...)
		return []s3Client{{requester: "svc:cloudfront.amazonaws.com", userAgent: "Amazon CloudFront", tls: tls13, cipher: cipher13, ips: edges, weight: 95},
			{requester: a.role("github-actions-deploy", "GitHubActions"), userAgent: uaCLI, tls: tls13, cipher: cipher13, ips: ipPool(rng, "", 5), weight: 5}}
	case dataLakeBucket:
		var clients []s3Client
		for range 6 {
			instance := "i-0" + randString(rng, lowerHex, 16)
			clients = append(clients, s3Client{requester: a.role("emr-ec2-instance-role", instance), userAgent: uaHadoop, tls: tls13, cipher: cipher13, ips: ipPool(rng, "10.20", 4), weight: 10})
		}
		for _, analyst := range []string{"r.patel", "l.chen", "s.muller"} {
			clients = append(clients, s3Client{requester: a.role("athena-analyst", analyst+"@"+a.company+".example"), userAgent: uaAthena, tls: tls12, cipher: cipher12, ips: ipPool(rng, "", 6), weight: 8})
		}
		return append(clients, s3Client{requester: a.role("glue-etl-role", "GlueJobRunnerSession"), userAgent: uaJavaV1, tls: tls12, cipher: cipher12, ips: ipPool(rng, "", 4), weight: 10})
	case backupsBucket:
		return []s3Client{{requester: fmt.Sprintf("arn:aws:iam::%s:user/velero", a.accountID), userAgent: uaGoV2, tls: tls13, cipher: cipher13, ips: nat, weight: 7},
			{requester: a.role("db-backup", "pgbackrest"), userAgent: uaBoto, tls: tls12, cipher: cipher12, ips: nat, pathStyle: true, weight: 3}}
	case uploadsBucket:
		return []s3Client{{requester: fmt.Sprintf("arn:aws:iam::%s:user/uploads-presigner", a.accountID), tls: tls13, cipher: cipher13, weight: 9},
			{requester: a.role("uploads-processor", "lambda-"+randString(rng, lowerHex, 8)), userAgent: uaBoto, tls: tls13, cipher: cipher13, ips: ipPool(rng, "", 8), weight: 3}}
	default:
		return []s3Client{{requester: a.role("fluent-bit", "fluent-bit-"+randString(rng, lowerHex, 6)), userAgent: "aws-fluent-bit-plugin", tls: tls12, cipher: cipher12, ips: nat, weight: 7},
			{requester: a.role("athena-analyst", "l.chen@"+a.company+".example"), userAgent: uaAthena, tls: tls12, cipher: cipher12, ips: ipPool(rng, "", 4), weight: 3}}
	}
}

// S3 access logs come from a busy account: a few milliseconds per request.
const s3MeanGap = 3 * time.Millisecond
