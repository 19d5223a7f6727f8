package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ErrInvalid is wrapped by every problem with a config's contents.
var ErrInvalid = errors.New("config: invalid")

// Error is one problem with a config: where it is and what is wrong.
type Error struct {
	File string // file name; "" for Parse
	Line int    // 1-based line; 0 if unknown
	Key  string // the key's path, e.g. numeric[2].transform
	Msg  string
}

// Error formats the problem as "config: FILE: line N: KEY: MSG".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("config: ")
	if e.File != "" {
		b.WriteString(e.File + ": ")
	}
	if e.Line > 0 {
		b.WriteString("line " + strconv.Itoa(e.Line) + ": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns ErrInvalid.
func (e *Error) Unwrap() error { return ErrInvalid }

// issues collects the problems of one config, locating keys in its YAML node tree.
type issues struct {
	file string
	root *yaml.Node
	errs []error
}

// add records a problem at path (keys and sequence indexes), e.g. "numeric", 2, "transform".
func (is *issues) add(msg string, path ...any) {
	is.errs = append(is.errs, &Error{File: is.file, Line: lineOf(is.root, path), Key: keyPath(path), Msg: msg})
}

func (is *issues) addf(path []any, format string, a ...any) {
	is.add(fmt.Sprintf(format, a...), path...)
}

func (is *issues) err() error { return errors.Join(is.errs...) }

func keyPath(path []any) string {
	var b strings.Builder
	for _, p := range path {
		switch v := p.(type) {
		case int:
			b.WriteString("[" + strconv.Itoa(v) + "]")
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(v)
		}
	}
	return b.String()
}

// lineOf returns the line of the node at path, or of its deepest existing ancestor.
func lineOf(n *yaml.Node, path []any) int {
	if n == nil {
		return 0
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, p := range path {
		var next *yaml.Node
		switch v := p.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == v {
						next = n.Content[i+1]
						break
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && v < len(n.Content) {
				next = n.Content[v]
			}
		}
		if next == nil {
			return line
		}
		n, line = next, next.Line
	}
	return line
}

var (
	reUnknown = regexp.MustCompile(`^line (\d+): field (\S+) not found in type config\.(\w+)$`)
	reLine    = regexp.MustCompile(`^line (\d+): (.*)$`)
)

// yamlErrors turns the decoder's errors into Errors naming keys and lines.
func yamlErrors(file string, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		line := 0
		if m := reLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		return &Error{File: file, Line: line, Msg: msg}
	}
	var errs []error
	for _, s := range te.Errors {
		if m := reUnknown.FindStringSubmatch(s); m != nil {
			line, _ := strconv.Atoi(m[1])
			errs = append(errs, &Error{File: file, Line: line, Key: m[2],
				Msg: "unknown key (valid keys here: " + strings.Join(yamlKeys(m[3]), ", ") + ")"})
			continue
		}
		if m := reLine.FindStringSubmatch(s); m != nil {
			line, _ := strconv.Atoi(m[1])
			errs = append(errs, &Error{File: file, Line: line, Msg: strings.ReplaceAll(m[2], "config.", "")})
			continue
		}
		errs = append(errs, &Error{File: file, Msg: s})
	}
	return errors.Join(errs...)
}

// sections maps the YAML struct type names to their types, for listing valid keys.
var sections = map[string]reflect.Type{
	"Config":      reflect.TypeFor[Config](),
	"Numeric":     reflect.TypeFor[Numeric](),
	"Categorical": reflect.TypeFor[Categorical](),
	"FAMD":        reflect.TypeFor[FAMD](),
}

func yamlKeys(typeName string) []string {
	t, ok := sections[typeName]
	if !ok {
		return nil
	}
	var keys []string
	for i := range t.NumField() {
		if k, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); k != "" && k != "-" {
			keys = append(keys, k)
		}
	}
	return keys
}
