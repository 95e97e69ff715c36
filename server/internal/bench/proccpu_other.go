//go:build !linux

package bench

import "time"

// backendCPU is not measured on this platform.
func backendCPU(int) (time.Duration, bool) { return 0, false }
