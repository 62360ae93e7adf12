package faultproxy

import (
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
)

var requestIDs atomic.Uint64

// writeS3Error answers with an error shaped like S3's, so that the SDK
// decodes its code and message as it would a real one.
func writeS3Error(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	id := "faultproxy-" + strconv.FormatUint(requestIDs.Add(1), 10)
	var body strings.Builder
	body.WriteString(xml.Header)
	body.WriteString("<Error><Code>")
	xml.EscapeText(&body, []byte(code))
	body.WriteString("</Code><Message>")
	xml.EscapeText(&body, []byte(message))
	body.WriteString("</Message><Resource>")
	xml.EscapeText(&body, []byte(r.URL.Path))
	body.WriteString("</Resource><RequestId>")
	body.WriteString(id)
	body.WriteString("</RequestId></Error>")
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(body.Len()))
	h.Set("X-Amz-Request-Id", id)
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		io.WriteString(w, body.String())
	}
}

// drainBody reads what the client sends before it is answered without
// forwarding. A server that answers while the client is still writing and
// then closes can have its answer destroyed by the RST that unread data
// causes; reading the body keeps the reply and the connection intact.
func drainBody(r *http.Request) {
	io.Copy(io.Discard, r.Body)
}

// reset closes the client's connection abruptly: SO_LINGER 0 makes the
// close send a TCP RST instead of a FIN, and no response is written.
func reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Cannot take the connection over: let the server drop it.
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		tcp.SetLinger(0)
	}
	conn.Close()
}
