package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/siotest/siotest/suite"
	"github.com/siotest/siotest/suite/harness"
	"github.com/spf13/cobra"
)

type ruleRow struct {
	harness.RuleInfo
	Specs []string `json:"specs"`
}

func newRulesCmd() *cobra.Command {
	var asJSON, uncovered bool
	cmd := &cobra.Command{
		Use:   "rules [--json] [--uncovered]",
		Short: "List every rule with its level, source and the specs that check it",
		Long: `List the rules of the protocol notes (shared/protocol) that siotest knows:
ID, level, source, and the specs that check each one. Rules no spec checks yet
are marked; --uncovered lists only those.`,
		Example: `  siotest rules
  siotest rules --uncovered
  siotest rules --json | jq '.[] | select(.level == "MUST")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			specs, err := suite.List()
			if err != nil {
				return failErr("%v", err)
			}
			byRule := map[string][]string{}
			for _, s := range specs {
				byRule[s.Rule] = append(byRule[s.Rule], s.Spec)
			}
			var rows []ruleRow
			covered := 0
			for _, r := range harness.Rules() {
				row := ruleRow{RuleInfo: r, Specs: byRule[r.ID]}
				if row.Specs == nil {
					row.Specs = []string{}
				} else {
					covered++
				}
				if !uncovered || len(row.Specs) == 0 {
					rows = append(rows, row)
				}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "RULE\tLEVEL\tSPECS\tSOURCE\tSUMMARY")
			for _, r := range rows {
				n := fmt.Sprint(len(r.Specs))
				if len(r.Specs) == 0 {
					n = "none"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Level, n, clip(r.Source, 40), clip(r.Summary, 70))
			}
			w.Flush()
			fmt.Fprintf(out, "\n%d rules, %d checked by %d specs, %d without a spec\n", len(harness.Rules()), covered, len(specs), len(harness.Rules())-covered)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&uncovered, "uncovered", false, "list only rules no spec checks")
	return cmd
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
