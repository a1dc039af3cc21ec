//go:build ignore

// gen_rules reads the rule tables of the protocol notes
// (shared/protocol/*.md) and writes rules.json, the registry that package
// harness embeds: siotest is `go install`ed without shared/, so the rows it
// cites must travel with the binary.
//
//	go generate ./suite/harness
//	go run gen_rules.go -in ../../../shared/protocol -out rules.json
//
// A rule row is a table row whose first cell is a rule ID
// (<DOC>-<AREA>-<n>) in a table whose header names that column "ID" and has
// a "Lvl" column; summary tables ("| Rule | Spec says | …") only repeat IDs
// and are skipped. The generator fails on a duplicate ID, an unknown level
// or a table it cannot read, so a malformed edit of the notes never yields a
// silently smaller registry.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// rule mirrors harness.RuleInfo (field names and JSON tags must match).
type rule struct {
	ID        string `json:"id"`
	Doc       string `json:"doc"`
	Area      string `json:"area"`
	Level     string `json:"level"`
	Feature   string `json:"feature,omitempty"`
	Deviation bool   `json:"refDeviation,omitempty"`
	Retired   bool   `json:"retired,omitempty"`
	Summary   string `json:"summary"`
	Source    string `json:"source,omitempty"`
	File      string `json:"file"`
}

var (
	idRe   = regexp.MustCompile(`^([A-Z0-9]+)-([A-Z]+)-(\d+)$`)
	levels = map[string]bool{"MUST": true, "MUST*": true, "SHOULD": true, "MAY": true, "INFO": true}
)

func main() {
	in := flag.String("in", "../../../shared/protocol", "directory with the protocol notes")
	out := flag.String("out", "rules.json", "output file")
	flag.Parse()
	rules, err := parseDir(*in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen_rules:", err)
		os.Exit(1)
	}
	b, err := json.MarshalIndent(rules, "", "  ")
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen_rules:", err)
		os.Exit(1)
	}
	b = append(b, '\n')
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen_rules:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "gen_rules: %d rules -> %s\n", len(rules), *out)
}

func parseDir(dir string) ([]rule, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no *.md in %s", dir)
	}
	sort.Strings(files)
	seen := map[string]string{}
	var all []rule
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		rs, err := parseFile(filepath.Base(f), b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, r := range rs {
			if prev, dup := seen[r.ID]; dup {
				return nil, fmt.Errorf("%s: duplicate rule %s (also in %s)", f, r.ID, prev)
			}
			seen[r.ID] = r.File
			all = append(all, r)
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return lessID(all[i].ID, all[j].ID) })
	return all, nil
}

// lessID orders by file prefix, area, then number.
func lessID(a, b string) bool {
	ma, mb := idRe.FindStringSubmatch(a), idRe.FindStringSubmatch(b)
	if ma[1] != mb[1] {
		return ma[1] < mb[1]
	}
	if ma[2] != mb[2] {
		return ma[2] < mb[2]
	}
	if len(ma[3]) != len(mb[3]) {
		return len(ma[3]) < len(mb[3])
	}
	return ma[3] < mb[3]
}

func parseFile(name string, b []byte) ([]rule, error) {
	var out []rule
	var header []string // current table header, nil outside rule tables
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	inTable := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "|") {
			inTable, header = false, nil
			continue
		}
		cells := splitRow(line)
		if !inTable {
			inTable = true
			header = nil
			if len(cells) > 1 && cells[0] == "ID" && cells[1] == "Lvl" {
				header = cells
			}
			continue
		}
		if header == nil || isSeparator(cells) {
			continue
		}
		m := idRe.FindStringSubmatch(cells[0])
		if m == nil {
			return nil, fmt.Errorf("row without a rule ID in a rule table: %q", line)
		}
		if len(cells) != len(header) {
			return nil, fmt.Errorf("%s: %d cells, header has %d", cells[0], len(cells), len(header))
		}
		r := rule{ID: cells[0], Doc: m[1], Area: m[2], File: name}
		lvl := strings.ReplaceAll(strings.ReplaceAll(cells[1], `\*`, "*"), "**", "")
		lvl = strings.TrimSpace(lvl)
		if !levels[lvl] {
			return nil, fmt.Errorf("%s: unknown level %q", r.ID, cells[1])
		}
		r.Level = lvl
		var text []string
		for i := 2; i < len(cells); i++ {
			switch header[i] {
			case "Source", "Checked by":
				r.Source = cells[i]
			case "Capability":
				if f := strings.Trim(cells[i], "` "); f != "all" {
					r.Feature = f
				}
				text = append(text, "capability "+cells[i])
			default:
				text = append(text, cells[i])
			}
		}
		full := strings.Join(text, " — ")
		r.Deviation = strings.Contains(full, "REF-DEVIATION")
		r.Retired = strings.Contains(full, "RETIRED")
		r.Summary = firstSentence(full)
		out = append(out, r)
	}
	return out, sc.Err()
}

// splitRow splits a Markdown table row on unescaped pipes outside code spans.
func splitRow(line string) []string {
	line = strings.TrimPrefix(line, "|")
	line = strings.TrimSuffix(line, "|")
	var cells []string
	var cur strings.Builder
	code := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\' && i+1 < len(line) && line[i+1] == '|':
			cur.WriteByte('|')
			i++
		case c == '`':
			code = !code
			cur.WriteByte(c)
		case c == '|' && !code:
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

func isSeparator(cells []string) bool {
	for _, c := range cells {
		if strings.Trim(c, "-: ") != "" {
			return false
		}
	}
	return true
}

// firstSentence returns the text up to the first ". " outside code spans
// and brackets, without the [C …] confirmation markers and with the
// Markdown emphasis removed.
func firstSentence(s string) string {
	s = stripMarkers(s)
	s = strings.ReplaceAll(s, "**", "")
	s = strings.ReplaceAll(s, `\*`, "*")
	code, depth := false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '`':
			code = !code
		case code:
		case c == '(' || c == '[':
			depth++
		case (c == ')' || c == ']') && depth > 0:
			depth--
		case c == '.' && depth == 0 && (i+1 == len(s) || s[i+1] == ' '):
			if i >= 2 && (s[i-2:i] == "e." || s[i-2:i] == "i." || s[i-2:i] == "g.") {
				continue
			}
			return strings.TrimSpace(s[:i+1])
		}
	}
	return strings.TrimSpace(s)
}

// stripMarkers removes the confirmation markers "[C]" and "[C: …]" (with
// the space before them); a marker may hold brackets inside code spans.
func stripMarkers(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '[' && strings.HasPrefix(s[i:], "[C") && i+2 < len(s) && (s[i+2] == ']' || s[i+2] == ':' || s[i+2] == ' ') {
			depth, code, j := 0, false, i
			for ; j < len(s); j++ {
				c := s[j]
				if c == '`' {
					code = !code
				} else if !code && c == '[' {
					depth++
				} else if !code && c == ']' {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			out := strings.TrimRight(b.String(), " ")
			b.Reset()
			b.WriteString(out)
			i = j
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
