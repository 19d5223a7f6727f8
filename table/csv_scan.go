package table

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// csvScanner splits RFC 4180 records into fields without allocating per record: the
// unquoted bytes of all fields of the current record live in rec, field i ending at ends[i].
// Quoted fields may hold commas, doubled quotes and line breaks. A quote inside an unquoted
// field is kept literally. Blank lines are skipped, a leading UTF-8 byte order mark is dropped
// and a trailing CR before LF is removed.
type csvScanner struct {
	r     *bufio.Reader
	line  int // lines consumed so far
	start int // line where the current record starts
	rec   []byte
	ends  []int
}

func newCSVScanner(r io.Reader) *csvScanner {
	return &csvScanner{r: bufio.NewReaderSize(r, 1<<16)}
}

// errUnterminated is returned (wrapped by the caller) for a quote never closed.
var errUnterminated = errors.New("quoted field is not terminated")

// errAfterQuote is returned for a closing quote followed by something other than a comma.
var errAfterQuote = errors.New("unexpected character after a closing quote")

// readLine returns the next physical line without its line terminator. The slice is valid
// until the next call.
func (s *csvScanner) readLine() ([]byte, error) {
	line, err := s.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		long := append([]byte(nil), line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = s.r.ReadSlice('\n')
			long = append(long, line...)
		}
		line = long
	}
	if len(line) == 0 {
		if err == nil {
			err = io.EOF
		}
		return nil, err
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	s.line++
	if s.line == 1 {
		line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
	}
	n := len(line)
	if n > 0 && line[n-1] == '\n' {
		n--
		if n > 0 && line[n-1] == '\r' {
			n--
		}
	}
	return line[:n], nil
}

// next reads the next record. It returns io.EOF at the end of the input.
func (s *csvScanner) next() error {
	var line []byte
	var err error
	for {
		line, err = s.readLine()
		if err != nil {
			return err
		}
		if len(line) > 0 {
			break
		}
	}
	s.start = s.line
	s.rec, s.ends = s.rec[:0], s.ends[:0]
	for {
		if len(line) == 0 || line[0] != '"' {
			i := bytes.IndexByte(line, ',')
			if i < 0 {
				s.rec = append(s.rec, line...)
				s.ends = append(s.ends, len(s.rec))
				return nil
			}
			s.rec = append(s.rec, line[:i]...)
			s.ends = append(s.ends, len(s.rec))
			line = line[i+1:]
			continue
		}
		line, err = s.quoted(line[1:])
		if err != nil {
			return err
		}
		s.ends = append(s.ends, len(s.rec))
		if len(line) == 0 {
			return nil
		}
		line = line[1:] // the comma
	}
}

// quoted appends a quoted field's content (after its opening quote) to rec, reading more
// lines as needed, and returns the rest of the line after the closing quote: empty or
// starting with a comma.
func (s *csvScanner) quoted(line []byte) ([]byte, error) {
	for {
		i := bytes.IndexByte(line, '"')
		if i < 0 {
			s.rec = append(s.rec, line...)
			s.rec = append(s.rec, '\n')
			next, err := s.readLine()
			if err != nil {
				if errors.Is(err, io.EOF) {
					return nil, errUnterminated
				}
				return nil, err
			}
			line = next
			continue
		}
		s.rec = append(s.rec, line[:i]...)
		line = line[i+1:]
		if len(line) > 0 && line[0] == '"' {
			s.rec = append(s.rec, '"')
			line = line[1:]
			continue
		}
		if len(line) > 0 && line[0] != ',' {
			return nil, errAfterQuote
		}
		return line, nil
	}
}

// fields returns the number of fields of the current record.
func (s *csvScanner) fields() int { return len(s.ends) }

// field returns field i of the current record, valid until the next call to next.
func (s *csvScanner) field(i int) []byte {
	lo := 0
	if i > 0 {
		lo = s.ends[i-1]
	}
	return s.rec[lo:s.ends[i]]
}
