package sqsserver

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
)

// apiError is an error answer in SQS's JSON protocol.
type apiError struct {
	status  int
	name    string // the shape name in __type, com.amazonaws.sqs#<name>
	query   string // the legacy query-protocol code, for x-amzn-query-error
	fault   string // Sender or Receiver
	message string
}

func (e *apiError) Error() string { return e.name + ": " + e.message }

// queryCodes maps the errors the adapter answers with to the query-protocol
// code SQS sends beside each in x-amzn-query-error (the SDK reports it as
// the error's code). Names not listed use the name as the code.
var queryCodes = map[string]string{
	"QueueDoesNotExist":            "AWS.SimpleQueueService.NonExistentQueue",
	"MessageNotInflight":           "AWS.SimpleQueueService.MessageNotInflight",
	"EmptyBatchRequest":            "AWS.SimpleQueueService.EmptyBatchRequest",
	"TooManyEntriesInBatchRequest": "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
	"BatchEntryIdsNotDistinct":     "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
	"InvalidBatchEntryId":          "AWS.SimpleQueueService.InvalidBatchEntryId",
	"UnsupportedOperation":         "AWS.SimpleQueueService.UnsupportedOperation",
}

// clientError is a 400 answer blaming the request.
func clientError(name, format string, args ...any) *apiError {
	code := queryCodes[name]
	if code == "" {
		code = name
	}
	return &apiError{status: http.StatusBadRequest, name: name, query: code, fault: "Sender", message: fmt.Sprintf(format, args...)}
}

// internalError is a 500 answer: goaws failed or answered what the adapter
// does not understand. The SDK retries it.
func internalError(format string, args ...any) *apiError {
	return &apiError{status: http.StatusInternalServerError, name: "InternalError", query: "InternalError", fault: "Receiver", message: fmt.Sprintf(format, args...)}
}

func errQueueDoesNotExist(name string) *apiError {
	return clientError("QueueDoesNotExist", "The specified queue %s does not exist.", name)
}

func errReceiptHandle(handle string) *apiError {
	return clientError("ReceiptHandleIsInvalid", "The receipt handle %q is not that of a message in flight.", handle)
}

// fromGoaws translates goaws's error answer to action into SQS's terms.
func fromGoaws(action string, status int, body []byte) *apiError {
	var e xmlError
	if err := xml.Unmarshal(body, &e); err != nil || e.Code == "" {
		return internalError("goaws %s answered %d: %q", action, status, body)
	}
	switch {
	case e.Code == "AWS.SimpleQueueService.NonExistentQueue":
		return clientError("QueueDoesNotExist", "%s", e.Message)
	case e.Code == "AWS.SimpleQueueService.QueueExists" && status == http.StatusNotFound:
		// goaws's "message does not exist", under a wrong code.
		return clientError("ReceiptHandleIsInvalid", "%s", e.Message)
	case e.Code == "AWS.SimpleQueueService.MessageNotInFlight":
		return clientError("MessageNotInflight", "%s", e.Message)
	case e.Code == "InvalidMessageContents":
		return clientError("InvalidMessageContents", "%s", e.Message)
	case status == http.StatusBadRequest && strings.HasPrefix(e.Code, "AWS.SimpleQueueService."):
		// InvalidParameterValue, InvalidAttributeValue, batch errors.
		return clientError(strings.TrimPrefix(e.Code, "AWS.SimpleQueueService."), "%s", e.Message)
	}
	return internalError("goaws %s answered %d %s: %s", action, status, e.Code, e.Message)
}
