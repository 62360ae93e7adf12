package datagen

import (
	"fmt"
	"strings"
)

// javaEvent is one Logback event of a Spring Boot service.
type javaEvent struct {
	level, logger, thread, msg string
	trace                      []string // exception line, then "\tat ..." frames
}

var javaLevelValue = map[string]int{"INFO": 20000, "WARN": 30000, "ERROR": 40000}

// javaFailure is an exception class with its message and the library
// frames at the top of its stack.
type javaFailure struct {
	class, msg string
	frames     []string
}

var javaFailures = []javaFailure{
	{"java.net.SocketTimeoutException", "Read timed out", []string{
		"java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:278)",
		"java.base/java.net.Socket$SocketInputStream.read(Socket.java:1099)",
		"org.apache.hc.core5.http.impl.io.SessionInputBufferImpl.fillBuffer(SessionInputBufferImpl.java:149)",
		"org.springframework.web.client.RestTemplate.doExecute(RestTemplate.java:915)"}},
	{"org.springframework.dao.DataAccessResourceFailureException", "Unable to acquire JDBC Connection", []string{
		"org.springframework.orm.jpa.vendor.HibernateJpaDialect.convertHibernateAccessException(HibernateJpaDialect.java:277)",
		"org.springframework.orm.jpa.vendor.HibernateJpaDialect.translateExceptionIfPossible(HibernateJpaDialect.java:241)",
		"org.springframework.dao.support.PersistenceExceptionTranslationInterceptor.invoke(PersistenceExceptionTranslationInterceptor.java:138)"}},
	{"java.lang.NullPointerException", `Cannot invoke "java.math.BigDecimal.multiply(java.math.BigDecimal)" because "price" is null`, nil},
	{"jakarta.validation.ConstraintViolationException", "placeOrder.request.quantity: must be greater than 0", []string{
		"org.springframework.validation.beanvalidation.MethodValidationInterceptor.invoke(MethodValidationInterceptor.java:138)"}},
}

func (c *lineCtx) javaEvent() javaEvent {
	rng, app := c.rng, c.pod.app
	pkg := "com." + c.cluster.company + "." + strings.ReplaceAll(firstWord(app), "-", "")
	entity := pick(rng, entities)
	ev := javaEvent{level: "INFO", thread: fmt.Sprintf("http-nio-8080-exec-%d", between(rng, 1, 200))}
	switch weighted(rng, []int{40, 20, 8, 8, 6, 3, 3}) {
	case 0:
		status := c.status()
		if status >= 500 {
			ev.level = "WARN"
		}
		ev.logger = pkg + ".web." + entity + "Controller"
		ev.msg = fmt.Sprintf("%s %s completed with %d in %d ms", c.method(), c.path(), status, c.latencyMs())
	case 1:
		ev.logger = pkg + ".repository." + entity + "Repository"
		ev.msg = fmt.Sprintf("Fetched %d %s rows for customer %d in %d ms", logNormal(rng, 8, 1.2), strings.ToLower(entity), c.id(), c.latencyMs())
	case 2:
		ev.thread = "org.springframework.kafka.KafkaListenerEndpointContainer#0-0-C-1"
		ev.logger = "org.apache.kafka.clients.consumer.internals.ConsumerCoordinator"
		ev.msg = fmt.Sprintf("[Consumer clientId=consumer-%s-1, groupId=%s] Setting offset for partition %s-events-%d to the committed offset FetchPosition{offset=%d, offsetEpoch=Optional[%d]}",
			app, app, strings.ToLower(entity), rng.IntN(12), rng.Int64N(9e6), rng.IntN(40))
	case 3:
		ev.thread = fmt.Sprintf("scheduling-%d", between(rng, 1, 4))
		ev.logger = pkg + ".jobs." + entity + "CleanupJob"
		ev.msg = fmt.Sprintf("Cleanup finished: processed=%d, skipped=%d, took %d ms", rng.IntN(5000), rng.IntN(40), logNormal(rng, 300, 1))
	case 4:
		ev.level = "WARN"
		ev.logger = pkg + ".client." + entity + "Client"
		ev.msg = fmt.Sprintf(`I/O error on GET request for "http://%s:8080/api/v1/%s/%d": Read timed out; retrying (attempt %d of 3)`,
			c.service(), strings.ToLower(entity)+"s", c.id(), between(rng, 1, 3))
	case 5:
		ev.level = "WARN"
		ev.thread = "HikariPool-1 housekeeper"
		ev.logger = "com.zaxxer.hikari.pool.HikariPool"
		ev.msg = fmt.Sprintf("HikariPool-1 - Thread starvation or clock leap detected (housekeeper delta=%dm%ds%dms).", between(rng, 1, 3), rng.IntN(60), rng.IntN(1000))
	default:
		f := pick(rng, javaFailures)
		ev.level = "ERROR"
		ev.logger = "org.apache.catalina.core.ContainerBase.[Tomcat].[localhost].[/].[dispatcherServlet]"
		ev.msg = fmt.Sprintf("Servlet.service() for servlet [dispatcherServlet] in context with path [] threw exception [Request processing failed: %s: %s] with root cause", f.class, f.msg)
		ev.trace = append(ev.trace, f.class+": "+f.msg)
		for _, fr := range f.frames {
			ev.trace = append(ev.trace, "\tat "+fr)
		}
		method := pick(rng, []string{"find", "update", "create", "reserve", "calculate"})
		ev.trace = append(ev.trace,
			fmt.Sprintf("\tat %s.service.%sService.%s(%sService.java:%d)", pkg, entity, method, entity, between(rng, 40, 400)),
			fmt.Sprintf("\tat %s.web.%sController.%s(%sController.java:%d)", pkg, entity, method, entity, between(rng, 30, 200)),
			"\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)",
			"\tat org.apache.tomcat.util.threads.TaskThread$WrappingRunnable.run(TaskThread.java:61)",
			"\tat java.base/java.lang.Thread.run(Thread.java:1583)")
	}
	return ev
}

// springLine writes Spring Boot's default console pattern.
func springLine(c *lineCtx) (string, bool) {
	ev := c.javaEvent()
	if ev.trace != nil {
		c.follow(false, ev.trace...)
	}
	thread := ev.thread
	if len(thread) > 15 { // Logback keeps the end of long thread names
		thread = thread[len(thread)-15:]
	}
	return fmt.Sprintf("%s %5s 1 --- [%s] [%15s] %-40s : %s",
		c.isoMillis(), ev.level, c.pod.app, thread, abbreviateLogger(ev.logger, 40), ev.msg), false
}

// springJSONLine writes the Logstash encoder's JSON, the stack trace
// folded into one escaped field.
func springJSONLine(c *lineCtx) (string, bool) {
	ev := c.javaEvent()
	var b strings.Builder
	fmt.Fprintf(&b, `{"@timestamp":"%s","@version":"1","message":%s,"logger_name":"%s","thread_name":"%s","level":"%s","level_value":%d,"traceId":"%s","spanId":"%s"`,
		c.isoMillis(), quote(ev.msg), ev.logger, ev.thread, ev.level, javaLevelValue[ev.level], c.hex(32), c.hex(16))
	if ev.trace != nil {
		b.WriteString(`,"stack_trace":` + quote(strings.Join(ev.trace, "\n")+"\n"))
	}
	b.WriteByte('}')
	return b.String(), false
}

// abbreviateLogger shortens package names to their initials, leftmost
// first, until the logger fits width, as Logback's %logger{width} does.
func abbreviateLogger(logger string, width int) string {
	parts := strings.Split(logger, ".")
	n := len(logger)
	for i := 0; i < len(parts)-1 && n > width; i++ {
		if len(parts[i]) > 1 {
			n -= len(parts[i]) - 1
			parts[i] = parts[i][:1]
		}
	}
	return strings.Join(parts, ".")
}
