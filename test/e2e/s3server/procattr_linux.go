package s3server

import "syscall"

// procAttr makes the kernel kill the server if the test process dies
// first, so that a crashed test run leaves no gateway behind.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
