package password

import (
	_ "embed"
	"strings"
	"sync"
)

// commonText is the list of common passwords, one per line, in lower case.
//
//go:embed common.txt
var commonText string

// commonSet returns the common passwords, folded, loaded on first use.
var commonSet = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 2048)
	for line := range strings.Lines(commonText) {
		if w := strings.TrimSpace(line); w != "" {
			m[fold(w)] = struct{}{}
		}
	}
	return m
})

// leetI and leetL undo common character substitutions; they differ only in
// reading '1' as 'i' or as 'l'.
var (
	leetI = strings.NewReplacer("@", "a", "0", "o", "1", "i", "3", "e", "4", "a", "5", "s", "$", "s", "7", "t", "!", "i")
	leetL = strings.NewReplacer("@", "a", "0", "o", "1", "l", "3", "e", "4", "a", "5", "s", "$", "s", "7", "t", "!", "i")
)

// isCommon reports whether the folded password is a common password, as it
// is, with leading and/or trailing digits and special characters removed,
// and in each of these forms with leet substitutions undone.
func isCommon(folded string) bool {
	set := commonSet()
	forms := [...]string{
		folded,
		strings.TrimFunc(folded, isNotWordRune),
		strings.TrimRightFunc(folded, isNotWordRune),
		strings.TrimLeftFunc(folded, isNotWordRune),
	}
	for _, f := range forms {
		if f == "" {
			continue
		}
		for _, c := range [...]string{f, leetI.Replace(f), leetL.Replace(f)} {
			if _, ok := set[c]; ok {
				return true
			}
		}
	}
	return false
}
