package flows_test

import (
	"os"
	"testing"

	"github.com/manifold-oms/manifold/server/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	var done func()
	env, done = testenv.Setup()
	code := m.Run()
	done()
	os.Exit(code)
}
