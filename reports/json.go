// Package reports writes a results.Run for people and machines: a console
// summary, JSON (schema.json), a self-contained HTML page, and the
// multi-target matrix.
package reports

import (
	"encoding/json"
	"io"

	"github.com/siotest/siotest/reports/results"
)

// WriteJSON writes run as indented JSON in the format of schema.json.
func WriteJSON(w io.Writer, run *results.Run) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(run)
}
