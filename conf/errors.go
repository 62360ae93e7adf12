package conf

import "fmt"

// OptionError is one problem with one option. Option is the name as written
// in the Fluent Bit configuration; Value is the offending value ("" when the
// problem is that the option is missing).
type OptionError struct {
	Option string
	Value  string
	Reason string
}

func (e *OptionError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("%s: %s", e.Option, e.Reason)
	}
	return fmt.Sprintf("%s: %q %s", e.Option, e.Value, e.Reason)
}
