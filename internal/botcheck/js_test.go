package botcheck

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// jsDir is where the scripts live, relative to this package.
var jsDir = filepath.Join("..", "web", "static", "js")

func readJS(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(jsDir, name))
	if err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	return string(b)
}

func TestJSFiles(t *testing.T) {
	tests := []struct {
		file      string
		mustHave  []string
		forbidden []string
	}{
		{
			file: "botcheck-worker.js",
			mustHave: []string{
				`typeof module !== "undefined"`,
				"module.exports",
				"sha256hex",
				`":"`,
				"postMessage({ nonce:",
			},
			forbidden: []string{"eval", "Function(", "crypto.subtle", "importScripts", "setTimeout(\"", "innerHTML"},
		},
		{
			file: "botcheck.js",
			mustHave: []string{
				"form[data-botcheck]",
				"data-salt",
				"data-difficulty",
				"data-worker",
				"input[name=" + FieldNonce + "]",
				"[data-botcheck-question]",
				"[data-botcheck-status]",
				"data-text-working",
				"data-text-done",
				"new Worker(",
			},
			forbidden: []string{"eval", "Function(", "innerHTML", "document.write"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			src := readJS(t, tt.file)
			for _, s := range tt.mustHave {
				if got, want := strings.Contains(src, s), true; got != want {
					t.Errorf("%s contains %q = %v, want %v", tt.file, s, got, want)
				}
			}
			for _, s := range tt.forbidden {
				if got, want := strings.Contains(src, s), false; got != want {
					t.Errorf("%s contains %q = %v, want %v", tt.file, s, got, want)
				}
			}
		})
	}
}

// runNode runs script under node with the worker's path in BOTCHECK_WORKER
// and input on stdin, and returns its stdout. It skips the test when node
// is not installed.
func runNode(t *testing.T, script string, input any) []byte {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not on PATH: skipping the JavaScript cross-check")
	}
	worker, err := filepath.Abs(filepath.Join(jsDir, "botcheck-worker.js"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := json.Marshal(input)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), node, "-e", script)
	cmd.Env = append(os.Environ(), "BOTCHECK_WORKER="+worker)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	return out
}

const nodeHashScript = `
const w = require(process.env.BOTCHECK_WORKER);
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(input.map(w.sha256hex)));
`

func TestWorkerSHA256MatchesGo(t *testing.T) {
	inputs := []string{
		"",
		"abc",
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		"hello:39366",
		"AAAAAAAAAAAAAAAAAAAAAA:0",
		"Zm9vYmFyYmF6cXV4cXV1eA:18446744073709551615",
		strings.Repeat("a", 55), // longest single-block message
		strings.Repeat("b", 56), // padding spills into a second block
		strings.Repeat("c", 63),
		strings.Repeat("d", 64),
		strings.Repeat("e", 65),
		strings.Repeat("f", 119),
		strings.Repeat("g", 120),
		strings.Repeat("0123456789", 100),
		"é€😀 Ελληνικά, български, Gaeilge",
	}
	var got []string
	if err := json.Unmarshal(runNode(t, nodeHashScript, inputs), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(inputs) {
		t.Fatalf("node returned %d hashes, want %d", len(got), len(inputs))
	}
	for i, in := range inputs {
		sum := sha256.Sum256([]byte(in))
		if want := hex.EncodeToString(sum[:]); got[i] != want {
			t.Errorf("sha256hex(%q) = %s, want %s", in, got[i], want)
		}
	}
}

const nodeSolveScript = `
const w = require(process.env.BOTCHECK_WORKER);
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(input.map((c) => w.solve(c.salt, c.difficulty))));
`

func TestWorkerSolveMatchesGo(t *testing.T) {
	c, _, _ := newChecker(10)
	type solveCase struct {
		Salt       string `json:"salt"`
		Difficulty int    `json:"difficulty"`
	}
	cases := []solveCase{
		{"hello", 16},
		{"hello", 0},
		{"AAAAAAAAAAAAAAAAAAAAAA", 1},
		{"AAAAAAAAAAAAAAAAAAAAAA", 8},
		{"salt-with-é", 10},
		{issue(t, c).Salt, 10},
		{issue(t, c).Salt, 12},
	}
	var got []string
	if err := json.Unmarshal(runNode(t, nodeSolveScript, cases), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(cases) {
		t.Fatalf("node returned %d nonces, want %d", len(got), len(cases))
	}
	for i, cc := range cases {
		if want := Solve(cc.Salt, cc.Difficulty); got[i] != want {
			t.Errorf("worker solve(%q, %d) = %q, want %q (Go Solve)", cc.Salt, cc.Difficulty, got[i], want)
		}
	}
}
