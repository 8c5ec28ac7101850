//go:build !unix

package config

import "io/fs"

// checkSecretFile accepts every file: this system has no Unix permission
// bits to check (on Windows, access lists protect the file).
func checkSecretFile(string, fs.FileInfo) error { return nil }
