package sqsserver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
)

// maxRequest bounds a request body: SQS's largest, a batch of ten 256 KiB
// messages, fits several times over.
const maxRequest = 16 << 20

// adapter serves SQS's JSON protocol by calling goaws.
type adapter struct {
	goaws    *goawsClient
	endpoint string // the adapter's own URL, the base of the queue URLs it hands out
	ledger   *ledger
	actions  map[string]action
	requests atomic.Uint64
}

// action handles one SQS action: the JSON request body in, the value to
// answer with as JSON out.
type action func(ctx context.Context, body []byte) (any, error)

func newAdapter(goawsURL, endpoint string) *adapter {
	a := &adapter{goaws: newGoawsClient(goawsURL), endpoint: endpoint, ledger: newLedger()}
	a.actions = map[string]action{
		"CreateQueue":                  a.createQueue,
		"GetQueueUrl":                  a.getQueueURL,
		"ListQueues":                   a.listQueues,
		"DeleteQueue":                  a.deleteQueue,
		"GetQueueAttributes":           a.getQueueAttributes,
		"PurgeQueue":                   a.purgeQueue,
		"SendMessage":                  a.sendMessage,
		"ReceiveMessage":               a.receiveMessage,
		"DeleteMessage":                a.deleteMessage,
		"DeleteMessageBatch":           a.deleteMessageBatch,
		"ChangeMessageVisibility":      a.changeMessageVisibility,
		"ChangeMessageVisibilityBatch": a.changeMessageVisibilityBatch,
	}
	return a
}

func (a *adapter) close() { a.goaws.close() }

func (a *adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("x-amzn-RequestId", "sqsserver-"+strconv.FormatUint(a.requests.Add(1), 10))
	name, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
	if r.Method != http.MethodPost || !ok {
		writeError(w, clientError("UnsupportedOperation", "expected a POST with X-Amz-Target: AmazonSQS.<Action>, got %s with %q", r.Method, r.Header.Get("X-Amz-Target")))
		return
	}
	act, ok := a.actions[name]
	if !ok {
		writeError(w, clientError("UnsupportedOperation", "%s is not supported by this server", name))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest))
	if err != nil {
		writeError(w, clientError("InvalidParameterValue", "reading the request: %v", err))
		return
	}
	out, err := act(r.Context(), body)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		json.NewEncoder(&buf).Encode(map[string]string{"__type": "com.amazonaws.sqs#InternalError", "message": err.Error()})
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func writeError(w http.ResponseWriter, err error) {
	e, ok := err.(*apiError)
	if !ok {
		e = internalError("%v", err)
	}
	w.Header().Set("x-amzn-query-error", e.query+";"+e.fault)
	writeJSON(w, e.status, map[string]string{"__type": "com.amazonaws.sqs#" + e.name, "message": e.message})
}

// decode reads a JSON request body into in.
func decode(body []byte, in any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil // an action without input may come without a body
	}
	if err := json.Unmarshal(body, in); err != nil {
		return &apiError{status: http.StatusBadRequest, name: "SerializationException", query: "SerializationException", fault: "Sender", message: err.Error()}
	}
	return nil
}

// publicQueueURL is the URL the adapter hands out for queue name.
func (a *adapter) publicQueueURL(name string) string {
	return a.endpoint + "/" + AccountID + "/" + name
}

// publicFromGoaws turns a queue URL of goaws's into the adapter's.
func (a *adapter) publicFromGoaws(goawsURL string) string {
	return a.publicQueueURL(goawsURL[strings.LastIndex(goawsURL, "/")+1:])
}

// goawsQueueURL is the QueueUrl form field goaws gets for queue name; goaws
// reads only its last segment.
func (a *adapter) goawsQueueURL(name string) string {
	return a.goaws.base + "/" + AccountID + "/" + name
}

// queueName takes the queue's name from a queue URL: any URL whose path is
// /ACCOUNT/NAME, so that a URL stays valid whatever host it was reached by.
func queueName(queueURL string) (string, error) {
	if queueURL == "" {
		return "", clientError("MissingParameter", "The request must contain the parameter QueueUrl.")
	}
	u, err := url.Parse(queueURL)
	if err != nil {
		return "", clientError("InvalidAddress", "The address %s is not valid for this endpoint.", queueURL)
	}
	account, name, ok := strings.Cut(strings.Trim(u.Path, "/"), "/")
	if !ok || !validQueueName(name) {
		return "", clientError("InvalidAddress", "The address %s is not valid for this endpoint.", queueURL)
	}
	if account != AccountID {
		return "", errQueueDoesNotExist(queueURL)
	}
	return name, nil
}

// requireQueue fails with QueueDoesNotExist when goaws has no queue name,
// for the goaws actions that do not tell a missing queue apart.
func (a *adapter) requireQueue(ctx context.Context, name string) error {
	return a.goaws.call(ctx, "GetQueueUrl", url.Values{"QueueName": {name}}, nil)
}
