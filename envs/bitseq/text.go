package bitseq

import (
	"fmt"

	"github.com/gogfn/gogfn/gfn"
)

// AppendBits appends to dst the readable form of s: n characters, each word
// as its k bits, most significant first ('0', '1'), and each empty slot as k
// dots. A terminal state reads as the official code's bit string.
func (e *Env) AppendBits(dst []byte, s gfn.State) []byte {
	for _, v := range s[:e.slots] {
		for b := e.k - 1; b >= 0; b-- {
			switch {
			case v == e.words:
				dst = append(dst, '.')
			case v>>b&1 == 1:
				dst = append(dst, '1')
			default:
				dst = append(dst, '0')
			}
		}
	}
	return dst
}

// Bits returns the readable form of s (see AppendBits), for people and JSON.
func (e *Env) Bits(s gfn.State) string {
	return string(e.AppendBits(make([]byte, 0, e.n), s))
}

// ParseBits reads the form that Bits writes into dst: n characters '0', '1',
// or, for a whole empty word, k characters '.' or '_'. It returns an error
// when text has the wrong length or a word mixes bits with empty marks or
// holds another character; dst is then unspecified.
func (e *Env) ParseBits(dst gfn.State, text string) error {
	if len(text) != e.n {
		return fmt.Errorf("bitseq: %q has %d characters, want n = %d", text, len(text), e.n)
	}
	for i := range dst[:e.slots] {
		word := text[i*e.k : (i+1)*e.k]
		w, empty := 0, 0
		for _, c := range []byte(word) {
			switch c {
			case '0', '1':
				w = w<<1 | int(c-'0')
			case '.', '_':
				empty++
			default:
				return fmt.Errorf("bitseq: %q: character %q in word %d", text, c, i)
			}
		}
		switch empty {
		case 0:
			dst[i] = w
		case e.k:
			dst[i] = e.words
		default:
			return fmt.Errorf("bitseq: %q: word %d (%q) mixes bits and empty marks", text, i, word)
		}
	}
	return nil
}
