package idp_test

import "regexp"

func regexpReplace(s, expr, repl string) string {
	return regexp.MustCompile(expr).ReplaceAllString(s, repl)
}
