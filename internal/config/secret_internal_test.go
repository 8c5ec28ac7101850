package config

import (
	"io/fs"
	"testing"
)

func TestSecretFileMode(t *testing.T) {
	for _, tt := range []struct {
		mode      fs.FileMode
		rootOwned bool
		ok        bool
	}{
		{0o600, false, true},
		{0o400, false, true},
		{0o700, false, true},
		{0o640, false, false},
		{0o604, false, false},
		{0o644, false, false},
		{0o440, true, true}, // Kubernetes, a pod's fsGroup
		{0o640, true, true},
		{0o660, true, false}, // the group could replace it
		{0o644, true, false},
		{0o604, true, false},
	} {
		err := secretFileMode("f", tt.mode, tt.rootOwned)
		if (err == nil) != tt.ok {
			t.Errorf("secretFileMode(%04o, root owned %v) = %v, want ok %v", tt.mode, tt.rootOwned, err, tt.ok)
		}
	}
}
