package botcheck

import (
	"context"
	"crypto/sha256"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// memSpender is an in-memory Spender for tests.
type memSpender struct {
	mu      sync.Mutex
	spent   map[string]time.Time
	calls   int
	failErr error
}

func (m *memSpender) SpendOnce(_ context.Context, key string, expires time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.failErr != nil {
		return false, m.failErr
	}
	if m.spent == nil {
		m.spent = make(map[string]time.Time)
	}
	if _, ok := m.spent[key]; ok {
		return false, nil
	}
	m.spent[key] = expires
	return true, nil
}

// clock is an injectable time source.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

var (
	testKey  = []byte("0123456789abcdef0123456789abcdef")
	otherKey = []byte("fedcba9876543210fedcba9876543210")
	t0       = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
)

func newChecker(difficulty int) (*Checker, *clock, *memSpender) {
	clk := &clock{t: t0}
	sp := &memSpender{}
	return &Checker{Key: testKey, Difficulty: difficulty, Now: clk.now, Spender: sp}, clk, sp
}

func issue(t testing.TB, c *Checker) Challenge {
	t.Helper()
	ch, err := c.Issue()
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	return ch
}

func sum(ch Challenge) string { return strconv.Itoa(ch.A + ch.B) }

// wrongAnswer returns an answer that is never A+B.
func wrongAnswer(ch Challenge) string { return strconv.Itoa(ch.A + ch.B + 1) }

func TestIssueSolveVerify(t *testing.T) {
	for _, difficulty := range []int{1, 4, 8, 12} {
		t.Run(strconv.Itoa(difficulty), func(t *testing.T) {
			c, _, _ := newChecker(difficulty)
			ch := issue(t, c)
			if got, want := ch.Difficulty, difficulty; got != want {
				t.Errorf("Difficulty = %d, want %d", got, want)
			}
			if got, want := len(ch.Salt), 22; got != want {
				t.Errorf("len(Salt) = %d, want %d", got, want)
			}
			if ch.A < 1 || ch.A > 9 || ch.B < 1 || ch.B > 9 {
				t.Errorf("A, B = %d, %d, want both in 1..9", ch.A, ch.B)
			}
			if strings.ContainsAny(ch.Token, "+/=") {
				t.Errorf("Token %q is not URL-safe", ch.Token)
			}
			nonce := Solve(ch.Salt, ch.Difficulty)
			if got, want := c.Verify(context.Background(), ch.Token, nonce, ""), error(nil); got != want {
				t.Fatalf("Verify(solved nonce) = %v, want %v", got, want)
			}
			if got, want := c.Verify(context.Background(), ch.Token, nonce, ""), ErrReused; !errors.Is(got, want) {
				t.Errorf("second Verify = %v, want %v", got, want)
			}
		})
	}
}

func TestIssueIsRandom(t *testing.T) {
	c, _, _ := newChecker(8)
	seen := make(map[string]bool)
	for range 50 {
		ch := issue(t, c)
		if seen[ch.Salt] {
			t.Fatalf("salt %q issued twice", ch.Salt)
		}
		seen[ch.Salt] = true
	}
}

func TestVerifyAnswer(t *testing.T) {
	tests := []struct {
		name   string
		nonce  string
		answer func(Challenge) string
		want   error
	}{
		{"right", "", sum, nil},
		{"right with spaces", "", func(ch Challenge) string { return "  " + sum(ch) + "\n" }, nil},
		{"right with leading zero", "", func(ch Challenge) string { return "0" + sum(ch) }, nil},
		{"right, bad nonce", "12345678", sum, nil},
		{"right, non-digit nonce", "abc", sum, nil},
		{"wrong", "", wrongAnswer, ErrWrong},
		{"zero", "", func(Challenge) string { return "0" }, ErrWrong},
		{"words", "", func(Challenge) string { return "seven" }, ErrWrong},
		{"plus sign", "", func(ch Challenge) string { return "+" + sum(ch) }, ErrWrong},
		{"minus sign", "", func(ch Challenge) string { return "-" + sum(ch) }, ErrWrong},
		{"decimal", "", func(ch Challenge) string { return sum(ch) + ".0" }, ErrWrong},
		{"inner space", "", func(ch Challenge) string { return "1 " + sum(ch) }, ErrWrong},
		{"full-width digits", "", func(Challenge) string { return "１２" }, ErrWrong},
		{"too long", "", func(ch Challenge) string { return strings.Repeat("0", 10) + sum(ch) }, ErrWrong},
		{"huge", "", func(Challenge) string { return "99999999999999999999999" }, ErrWrong},
		{"nothing", "", func(Challenge) string { return "" }, ErrMissing},
		{"only spaces", " ", func(Challenge) string { return "\t " }, ErrMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := newChecker(DefaultDifficulty)
			ch := issue(t, c)
			got := c.Verify(context.Background(), ch.Token, tt.nonce, tt.answer(ch))
			if !errors.Is(got, tt.want) || (tt.want == nil && got != nil) {
				t.Errorf("Verify = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestVerifyNonce(t *testing.T) {
	c, _, _ := newChecker(12)
	ch := issue(t, c)
	good := Solve(ch.Salt, ch.Difficulty)
	n, err := strconv.ParseUint(good, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	// A nonce that does not solve the work: the first nonce after good
	// that fails.
	bad := strconv.FormatUint(n+1, 10)
	for solves(ch.Salt, bad, ch.Difficulty) {
		n++
		bad = strconv.FormatUint(n+1, 10)
	}
	tests := []struct {
		name  string
		nonce string
		want  error
	}{
		{"solved", good, nil},
		{"solved with spaces", " " + good + " ", nil},
		{"not solved", bad, ErrWrong},
		{"sign", "+" + good, ErrWrong},
		{"too long", strings.Repeat("0", 21), ErrWrong},
		{"letters", "abc", ErrWrong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Each case gets fresh spend records, so the same token
			// can be verified again.
			c.Spender = &memSpender{}
			got := c.Verify(context.Background(), ch.Token, tt.nonce, wrongAnswer(ch))
			if !errors.Is(got, tt.want) || (tt.want == nil && got != nil) {
				t.Errorf("Verify(nonce %q) = %v, want %v", tt.nonce, got, tt.want)
			}
		})
	}
}

func TestReuse(t *testing.T) {
	tests := []struct {
		name        string
		first       func(Challenge) (nonce, answer string)
		wantFirst   error
		second      func(Challenge) (nonce, answer string)
		wantSecond  error
		wantSpendNo int
	}{
		{
			name:       "answer twice",
			first:      func(ch Challenge) (string, string) { return "", sum(ch) },
			second:     func(ch Challenge) (string, string) { return "", sum(ch) },
			wantSecond: ErrReused,
		},
		{
			name:       "work then answer",
			first:      func(ch Challenge) (string, string) { return Solve(ch.Salt, ch.Difficulty), "" },
			second:     func(ch Challenge) (string, string) { return "", sum(ch) },
			wantSecond: ErrReused,
		},
		{
			name:       "wrong guess uses the token up",
			first:      func(ch Challenge) (string, string) { return "", wrongAnswer(ch) },
			wantFirst:  ErrWrong,
			second:     func(ch Challenge) (string, string) { return "", sum(ch) },
			wantSecond: ErrReused,
		},
		{
			name:       "missing input does not spend",
			first:      func(Challenge) (string, string) { return "", "" },
			wantFirst:  ErrMissing,
			second:     func(ch Challenge) (string, string) { return "", sum(ch) },
			wantSecond: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := newChecker(8)
			ch := issue(t, c)
			n, a := tt.first(ch)
			if got := c.Verify(context.Background(), ch.Token, n, a); !errors.Is(got, tt.wantFirst) || (tt.wantFirst == nil && got != nil) {
				t.Fatalf("first Verify = %v, want %v", got, tt.wantFirst)
			}
			n, a = tt.second(ch)
			if got := c.Verify(context.Background(), ch.Token, n, a); !errors.Is(got, tt.wantSecond) || (tt.wantSecond == nil && got != nil) {
				t.Errorf("second Verify = %v, want %v", got, tt.wantSecond)
			}
		})
	}
}

// TestReuseAcrossReplicas checks that two Checkers sharing the key and the
// spend records (two replicas) accept a token once between them.
func TestReuseAcrossReplicas(t *testing.T) {
	a, _, sp := newChecker(8)
	b := &Checker{Key: append([]byte(nil), testKey...), Difficulty: 8, Now: a.Now, Spender: sp}
	ch := issue(t, a)
	if got := b.Verify(context.Background(), ch.Token, "", sum(ch)); got != nil {
		t.Fatalf("replica b Verify = %v, want <nil>", got)
	}
	if got, want := a.Verify(context.Background(), ch.Token, "", sum(ch)), ErrReused; !errors.Is(got, want) {
		t.Errorf("replica a Verify = %v, want %v", got, want)
	}
}

func TestSpendRecord(t *testing.T) {
	tests := []struct {
		name string
		ttl  time.Duration
		want time.Time
	}{
		{"default TTL", 0, t0.Add(20*time.Minute + time.Minute)},
		{"custom TTL", 5 * time.Minute, t0.Add(6 * time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, sp := newChecker(8)
			c.TTL = tt.ttl
			ch := issue(t, c)
			if err := c.Verify(context.Background(), ch.Token, "", sum(ch)); err != nil {
				t.Fatalf("Verify = %v, want <nil>", err)
			}
			got, ok := sp.spent["botcheck:"+ch.Salt]
			if !ok {
				t.Fatalf("spent keys = %v, want botcheck:%s", sp.spent, ch.Salt)
			}
			if !got.Equal(tt.want) {
				t.Errorf("spend expiry = %v, want %v", got, tt.want)
			}
		})
	}
}

// b64Alphabet is the base64url alphabet, to tamper with tokens.
const b64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func TestTamper(t *testing.T) {
	c, _, sp := newChecker(8)
	ch := issue(t, c)
	nonce := Solve(ch.Salt, ch.Difficulty)

	// Every character replaced by every other one of the alphabet would
	// be 99*63 cases; replacing each by two others covers every byte.
	for i := 0; i < len(ch.Token); i++ {
		for _, shift := range []int{1, 37} {
			pos := strings.IndexByte(b64Alphabet, ch.Token[i])
			repl := b64Alphabet[(pos+shift)%len(b64Alphabet)]
			bad := ch.Token[:i] + string(repl) + ch.Token[i+1:]
			if got, want := c.Verify(context.Background(), bad, nonce, sum(ch)), ErrInvalid; !errors.Is(got, want) {
				t.Fatalf("Verify(token with byte %d changed) = %v, want %v", i, got, want)
			}
		}
	}

	other := &Checker{Key: otherKey, Difficulty: 8, Now: c.Now, Spender: sp}
	foreign := issue(t, other)

	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"empty", "", ErrMissing},
		{"blank", "  ", ErrMissing},
		{"truncated", ch.Token[:len(ch.Token)-1], ErrInvalid},
		{"extended", ch.Token + "A", ErrInvalid},
		{"inner newline", ch.Token[:10] + "\n" + ch.Token[10:], ErrInvalid},
		{"padded", ch.Token + "=", ErrInvalid},
		{"standard alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(ch.Token) + "+", ErrInvalid},
		{"garbage", "hello", ErrInvalid},
		{"garbage of the right length", strings.Repeat("A", len(ch.Token)), ErrInvalid},
		{"other key", foreign.Token, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Verify(context.Background(), tt.token, nonce, sum(ch)); !errors.Is(got, tt.want) {
				t.Errorf("Verify = %v, want %v", got, tt.want)
			}
		})
	}

	if got, want := sp.calls, 0; got != want {
		t.Errorf("SpendOnce calls for refused tokens = %d, want %d", got, want)
	}
	// The refusals spent nothing: the genuine token still works once.
	if got := c.Verify(context.Background(), ch.Token, nonce, ""); got != nil {
		t.Errorf("Verify(genuine token) = %v, want <nil>", got)
	}
}

func TestExpiry(t *testing.T) {
	tests := []struct {
		name    string
		ttl     time.Duration
		elapsed time.Duration // from issue to verify; negative: issued in the future
		want    error
	}{
		{"fresh", 0, 0, nil},
		{"just before default TTL", 0, 20*time.Minute - time.Second, nil},
		{"at default TTL", 0, 20 * time.Minute, nil},
		{"past default TTL", 0, 20*time.Minute + time.Second, ErrExpired},
		{"long past", 0, 48 * time.Hour, ErrExpired},
		{"at custom TTL", 2 * time.Minute, 2 * time.Minute, nil},
		{"past custom TTL", 2 * time.Minute, 2*time.Minute + time.Second, ErrExpired},
		{"future within skew", 0, -59 * time.Second, nil},
		{"future at skew", 0, -time.Minute, nil},
		{"future beyond skew", 0, -time.Minute - time.Second, ErrInvalid},
		{"far future", 0, -24 * time.Hour, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, clk, sp := newChecker(8)
			c.TTL = tt.ttl
			ch := issue(t, c)
			clk.t = t0.Add(tt.elapsed)
			got := c.Verify(context.Background(), ch.Token, "", sum(ch))
			if !errors.Is(got, tt.want) || (tt.want == nil && got != nil) {
				t.Errorf("Verify after %v = %v, want %v", tt.elapsed, got, tt.want)
			}
			if tt.want != nil && sp.calls != 0 {
				t.Errorf("SpendOnce calls = %d, want 0 for a refused token", sp.calls)
			}
		})
	}
}

func TestDifficultyZero(t *testing.T) {
	tests := []struct {
		name   string
		nonce  func(Challenge) string
		answer func(Challenge) string
		want   error
	}{
		{"answer", func(Challenge) string { return "" }, sum, nil},
		{"nonce 0 alone", func(Challenge) string { return "0" }, func(Challenge) string { return "" }, ErrWrong},
		{"solved nonce alone", func(ch Challenge) string { return Solve(ch.Salt, 8) }, func(Challenge) string { return "" }, ErrWrong},
		{"nonce and wrong answer", func(Challenge) string { return "0" }, wrongAnswer, ErrWrong},
		{"nonce and answer", func(Challenge) string { return "0" }, sum, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := newChecker(0)
			ch := issue(t, c)
			if got, want := ch.Difficulty, 0; got != want {
				t.Fatalf("Difficulty = %d, want %d", got, want)
			}
			got := c.Verify(context.Background(), ch.Token, tt.nonce(ch), tt.answer(ch))
			if !errors.Is(got, tt.want) || (tt.want == nil && got != nil) {
				t.Errorf("Verify = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestTokenDifficultyWins checks that Verify uses the difficulty signed into
// the token, not the Checker's current one.
func TestTokenDifficultyWins(t *testing.T) {
	c, _, _ := newChecker(4)
	ch := issue(t, c)
	nonce := Solve(ch.Salt, 4)
	c.Difficulty = 0
	if got := c.Verify(context.Background(), ch.Token, nonce, ""); got != nil {
		t.Errorf("Verify = %v, want <nil>", got)
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name    string
		checker Checker
	}{
		{"no key", Checker{Spender: &memSpender{}}},
		{"short key", Checker{Key: testKey[:31], Spender: &memSpender{}}},
		{"negative difficulty", Checker{Key: testKey, Difficulty: -1, Spender: &memSpender{}}},
		{"difficulty too high", Checker{Key: testKey, Difficulty: MaxDifficulty + 1, Spender: &memSpender{}}},
		{"negative TTL", Checker{Key: testKey, TTL: -time.Second, Spender: &memSpender{}}},
	}
	valid, _, _ := newChecker(4)
	ch := issue(t, valid)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.checker.Issue(); err == nil {
				t.Errorf("Issue error = <nil>, want an error")
			}
			err := tt.checker.Verify(context.Background(), ch.Token, "", sum(ch))
			if err == nil || isSentinel(err) {
				t.Errorf("Verify error = %v, want a configuration error", err)
			}
		})
	}

	t.Run("nil spender", func(t *testing.T) {
		c := Checker{Key: testKey, Difficulty: 4, Now: valid.Now}
		ch := issue(t, &c)
		err := c.Verify(context.Background(), ch.Token, "", sum(ch))
		if err == nil || isSentinel(err) {
			t.Errorf("Verify error = %v, want a configuration error", err)
		}
	})
}

func TestNewDefaults(t *testing.T) {
	sp := &memSpender{}
	c := New(testKey, sp)
	if got, want := c.Difficulty, DefaultDifficulty; got != want {
		t.Errorf("Difficulty = %d, want %d", got, want)
	}
	if got, want := c.TTL, DefaultTTL; got != want {
		t.Errorf("TTL = %v, want %v", got, want)
	}
	ch := issue(t, c)
	if got, want := ch.Difficulty, 16; got != want {
		t.Errorf("Challenge.Difficulty = %d, want %d", got, want)
	}
	if got := c.Verify(context.Background(), ch.Token, "", sum(ch)); got != nil {
		t.Errorf("Verify = %v, want <nil>", got)
	}
}

func TestSpenderError(t *testing.T) {
	c, _, sp := newChecker(4)
	boom := errors.New("database down")
	sp.failErr = boom
	ch := issue(t, c)
	err := c.Verify(context.Background(), ch.Token, "", sum(ch))
	if got, want := errors.Is(err, boom), true; got != want {
		t.Errorf("errors.Is(%v, boom) = %v, want %v", err, got, want)
	}
	if isSentinel(err) {
		t.Errorf("Verify error = %v, want no sentinel", err)
	}
}

func TestSentinelsDistinct(t *testing.T) {
	all := []error{ErrMissing, ErrInvalid, ErrExpired, ErrReused, ErrWrong}
	for i, a := range all {
		for j, b := range all {
			if got, want := errors.Is(a, b), i == j; got != want {
				t.Errorf("errors.Is(%v, %v) = %v, want %v", a, b, got, want)
			}
		}
	}
}

func TestLeadingZeroBits(t *testing.T) {
	tests := []struct {
		b    []byte
		n    int
		want bool
	}{
		{[]byte{0xff}, 0, true},
		{[]byte{0xff}, -1, true},
		{[]byte{0x7f}, 1, true},
		{[]byte{0x80}, 1, false},
		{[]byte{0x00, 0xff}, 8, true},
		{[]byte{0x00, 0xff}, 9, false},
		{[]byte{0x00, 0x7f}, 9, true},
		{[]byte{0x00, 0x01}, 15, true},
		{[]byte{0x00, 0x01}, 16, false},
		{[]byte{0x00, 0x00}, 16, true},
		{[]byte{0x00, 0x00}, 17, false},
		{[]byte{0x01, 0x00}, 7, true},
		{[]byte{0x01, 0x00}, 8, false},
	}
	for _, tt := range tests {
		if got := leadingZeroBits(tt.b, tt.n); got != tt.want {
			t.Errorf("leadingZeroBits(%x, %d) = %v, want %v", tt.b, tt.n, got, tt.want)
		}
	}
}

func TestSolve(t *testing.T) {
	tests := []struct {
		salt       string
		difficulty int
		want       string // "" when only checked for minimality
	}{
		{"hello", 0, "0"},
		{"hello", -3, "0"},
		// Known answer, also found by botcheck-worker.js under node:
		// SHA-256("hello:39366") starts with 0x0000.
		{"hello", 16, "39366"},
		{"hello", 1, ""},
		{"AAAAAAAAAAAAAAAAAAAAAA", 8, ""},
		{"salt-with-é", 10, ""},
	}
	for _, tt := range tests {
		got := Solve(tt.salt, tt.difficulty)
		if tt.want != "" && got != tt.want {
			t.Errorf("Solve(%q, %d) = %q, want %q", tt.salt, tt.difficulty, got, tt.want)
		}
		if tt.difficulty <= 0 {
			continue
		}
		sum := sha256.Sum256([]byte(tt.salt + ":" + got))
		if !leadingZeroBits(sum[:], tt.difficulty) {
			t.Errorf("Solve(%q, %d) = %q: hash %x lacks %d zero bits", tt.salt, tt.difficulty, got, sum, tt.difficulty)
		}
		n, err := strconv.Atoi(got)
		if err != nil {
			t.Fatalf("Solve(%q, %d) = %q, not a decimal counter", tt.salt, tt.difficulty, got)
		}
		for i := range n {
			if solves(tt.salt, strconv.Itoa(i), tt.difficulty) {
				t.Errorf("Solve(%q, %d) = %q, but %d solves it too and comes first", tt.salt, tt.difficulty, got, i)
				break
			}
		}
	}
}

func isSentinel(err error) bool {
	for _, s := range []error{ErrMissing, ErrInvalid, ErrExpired, ErrReused, ErrWrong} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func FuzzVerify(f *testing.F) {
	c, _, _ := newChecker(4)
	ch := issue(f, c)
	f.Add(ch.Token, Solve(ch.Salt, ch.Difficulty), "")
	f.Add(ch.Token, "", sum(ch))
	f.Add(ch.Token[:50], "1", "2")
	f.Add("", "", "")
	f.Add("AAAA", "0", "7")
	f.Add(strings.Repeat("_", len(ch.Token)), "99999999999999999999", "-1")
	f.Fuzz(func(t *testing.T, token, nonce, answer string) {
		err := c.Verify(context.Background(), token, nonce, answer)
		if err != nil && !isSentinel(err) {
			t.Errorf("Verify(%q, %q, %q) = %v, want nil or a sentinel error", token, nonce, answer, err)
		}
		if err != nil {
			return
		}
		// Only genuine tokens (the seeds, signed with testKey) pass,
		// and only once.
		if got, want := c.Verify(context.Background(), token, nonce, answer), ErrReused; !errors.Is(got, want) {
			t.Errorf("second Verify(%q, %q, %q) = %v, want %v", token, nonce, answer, got, want)
		}
	})
}

func BenchmarkSolve16(b *testing.B) {
	i := 0
	for b.Loop() {
		Solve("bench-salt-"+strconv.Itoa(i), 16)
		i++
	}
}
