package sqsserver

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// goawsClient makes query-protocol calls to goaws: a form-encoded POST
// with Action=..., answered in XML.
type goawsClient struct {
	base      string // http://127.0.0.1:PORT
	transport *http.Transport
	http      *http.Client
}

func newGoawsClient(base string) *goawsClient {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// No client timeout: a long poll lasts up to 20 s, and the caller's
	// context ends the call when the caller gives up.
	return &goawsClient{base: base, transport: t, http: &http.Client{Transport: t}}
}

// call runs action with form and decodes a successful answer into out
// (nil: the answer is not read). A goaws error comes back as an *apiError
// in SQS's terms.
func (g *goawsClient) call(ctx context.Context, action string, form url.Values, out any) error {
	form.Set("Action", action)
	form.Set("Version", "2012-11-05")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.base+"/", strings.NewReader(form.Encode()))
	if err != nil {
		return internalError("goaws %s: %v", action, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := g.http.Do(req)
	if err != nil {
		return internalError("goaws %s: %v", action, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return internalError("goaws %s: reading the answer: %v", action, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fromGoaws(action, resp.StatusCode, body)
	}
	if out == nil {
		return nil
	}
	if err := xml.Unmarshal(body, out); err != nil {
		return internalError("goaws %s: decoding %q: %v", action, body, err)
	}
	return nil
}

func (g *goawsClient) close() { g.transport.CloseIdleConnections() }

// The shapes of goaws's answers, as far as the adapter reads them. Element
// names are matched without their namespace.
type (
	xmlQueueURL struct {
		Created string `xml:"CreateQueueResult>QueueUrl"`
		Found   string `xml:"GetQueueUrlResult>QueueUrl"`
	}
	xmlListQueues struct {
		QueueURLs []string `xml:"ListQueuesResult>QueueUrl"`
	}
	xmlAttribute struct {
		Name  string `xml:"Name"`
		Value string `xml:"Value"`
	}
	xmlQueueAttributes struct {
		Attributes []xmlAttribute `xml:"GetQueueAttributesResult>Attribute"`
	}
	xmlSendMessage struct {
		MessageID        string `xml:"SendMessageResult>MessageId"`
		MD5OfMessageBody string `xml:"SendMessageResult>MD5OfMessageBody"`
		SequenceNumber   string `xml:"SendMessageResult>SequenceNumber"`
	}
	xmlMessage struct {
		MessageID     string         `xml:"MessageId"`
		ReceiptHandle string         `xml:"ReceiptHandle"`
		MD5OfBody     string         `xml:"MD5OfBody"`
		Body          string         `xml:"Body"`
		Attributes    []xmlAttribute `xml:"Attribute"`
	}
	xmlReceiveMessage struct {
		Messages []xmlMessage `xml:"ReceiveMessageResult>Message"`
	}
	xmlDeleteMessageBatch struct {
		Deleted []string `xml:"DeleteMessageBatchResult>DeleteMessageBatchResultEntry>Id"`
	}
	xmlError struct {
		Code    string `xml:"Error>Code"`
		Message string `xml:"Error>Message"`
	}
)
