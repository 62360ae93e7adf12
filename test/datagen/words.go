package datagen

import (
	"fmt"
	"math/rand/v2"
)

// Vocabularies shared by both data sets.
var (
	companies = []string{"acme", "globex", "initech", "umbrella", "hooli", "wayne", "stark", "tyrell", "cyberdyne", "soylent"}
	resources = []string{"orders", "products", "carts", "customers", "payments", "invoices", "shipments", "reviews",
		"inventory", "prices", "sessions", "users", "addresses", "coupons", "categories", "wishlists"}
	// entities are the singular type names behind resources, for code identifiers.
	entities      = []string{"Order", "Product", "Cart", "Customer", "Payment", "Invoice", "Shipment", "Review", "Price", "Coupon"}
	browserAgents = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.86 Mobile Safari/537.36",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0",
	}
	serviceAgents = []string{"Go-http-client/1.1", "okhttp/4.12.0", "python-requests/2.32.3", "ReactorNetty/1.1.22",
		"axios/1.7.7", "kube-probe/1.31", "Apache-HttpClient/5.3.1 (Java/21.0.5)"}
	httpMethods       = []string{"GET", "POST", "PUT", "DELETE", "PATCH"}
	httpMethodWeights = []int{70, 18, 6, 3, 3}
	httpStatuses      = []int{200, 201, 204, 304, 400, 401, 403, 404, 409, 500, 502, 503}
	httpStatusWeights = []int{780, 50, 40, 20, 20, 10, 5, 45, 5, 12, 6, 7}
)

// publicIP returns an address outside the private ranges.
func publicIP(rng *rand.Rand) string {
	first := pick(rng, []int{3, 13, 18, 34, 52, 54, 63, 81, 86, 91, 109, 141, 176, 185, 193, 203, 212})
	return fmt.Sprintf("%d.%d.%d.%d", first, rng.IntN(256), rng.IntN(256), between(rng, 1, 254))
}
