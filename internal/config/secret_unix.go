//go:build unix

package config

import (
	"io/fs"
	"syscall"
)

// checkSecretFile refuses a secret file that users other than its owner
// (and, for root's files, its group) can read.
func checkSecretFile(path string, info fs.FileInfo) error {
	st, ok := info.Sys().(*syscall.Stat_t)
	return secretFileMode(path, info.Mode(), ok && st.Uid == 0)
}
