package harness

import "fmt"

// LabelMsgpack marks the specs of the msgpack parser's wire (SRV-MP-*):
// they run only against targets whose profile says parser "msgpack"
// (FIX-PROF-2). Rule adds it to every SRV-MP rule.
const LabelMsgpack = "parser:msgpack"

// parserSkip returns why a spec does not apply to the target's parser, or
// "" when it does.
func parserSkip(p *Profile, rule RuleInfo, labels []string) string {
	mp := false
	for _, l := range labels {
		mp = mp || l == LabelMsgpack
	}
	switch {
	case mp && p.Parser != "msgpack":
		return fmt.Sprintf("checks the msgpack parser's wire; the target's parser is %q (FIX-PROF-2)", p.Parser)
	case !mp && p.Parser != "default":
		return fmt.Sprintf("parser %q: these specs use the default text parser (FIX-PROF-2)", p.Parser)
	}
	return ""
}
