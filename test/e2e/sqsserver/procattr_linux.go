package sqsserver

import "syscall"

// procAttr makes the kernel kill goaws if the test process dies first, so
// that a crashed test run leaves no server behind.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
