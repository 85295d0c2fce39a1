package spec

import "fmt"

// Pos is a 1-based line and column in a spec file.
type Pos struct {
	// File is the file the position is in, when it is not the spec itself
	// but a spec it extends.
	File   string
	Line   int
	Column int
}

// Locations maps a field path, such as builder.go.tools[1].version, to where
// its value is written. The empty path is the document itself.
type Locations map[string]Pos

// Error is a problem with a spec, located in its file.
type Error struct {
	// File is the spec file's name as the user gave it.
	File string
	// Pos is where the problem is; a zero line means unknown.
	Pos Pos
	// Field is the path of the field concerned, empty for the whole file.
	Field string
	// Msg says what is wrong and what would be valid.
	Msg string
}

func (e *Error) Error() string {
	where := e.File
	if e.Pos.Line > 0 {
		where = fmt.Sprintf("%s:%d", where, e.Pos.Line)
		if e.Pos.Column > 0 {
			where = fmt.Sprintf("%s:%d", where, e.Pos.Column)
		}
	}
	if e.Field == "" {
		return fmt.Sprintf("%s: %s", where, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", where, e.Field, e.Msg)
}

// Errorf makes an Error for a field, located where the field is written.
func (f *File) Errorf(field, format string, args ...any) *Error {
	return f.errorf(field, format, args...)
}

func (f *File) errorf(field, format string, args ...any) *Error {
	pos := f.Pos(field)
	file := f.Name
	if pos.File != "" {
		file = pos.File
	}
	return &Error{File: file, Pos: pos, Field: field, Msg: fmt.Sprintf(format, args...)}
}
