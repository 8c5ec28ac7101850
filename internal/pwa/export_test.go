package pwa

import "io/fs"

// VersionOf returns the version Handler writes into sw.js for the files of
// fsys.
func VersionOf(fsys fs.FS) string {
	_, v := load(fsys)
	return v
}
