package bench

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of CPU times in /proc/<pid>/stat (USER_HZ), 100 on
// every Linux platform Go supports.
const clockTick = 10 * time.Millisecond

// backendCPU returns the CPU time (user + system) PostgreSQL backend pid has
// used, when the database runs on this machine. A pid that is not a
// postgres process here (a remote database) is not measured.
func backendCPU(pid int) (time.Duration, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name, in parentheses, may contain spaces; fields after it
	// start with the state (field 3), so utime and stime (14, 15) are 11, 12.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || !strings.Contains(s[:i], "(postgres") {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * clockTick, true
}
