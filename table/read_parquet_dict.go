package table

import (
	"github.com/parquet-go/parquet-go"
)

// readIndexed decodes a dictionary-encoded page. Each dictionary entry is converted once
// (to a number, a level code or an id) and every value is then a lookup by index.
func (c *pqColumn) readIndexed(b *builder, p parquet.Page, defs []byte, row int) (int, error) {
	dict := p.Dictionary()
	if dict != c.dict {
		c.setDict(dict)
	}
	data := p.Data()
	idx := data.Int32()
	rows := len(idx)
	if defs != nil {
		rows = len(defs)
	}
	k := 0
	for i := range rows {
		if defs != nil && defs[i] != c.maxDef {
			if err := c.addMissing(b, row+i); err != nil {
				return 0, err
			}
			continue
		}
		if k >= len(idx) {
			return 0, c.corrupt(b)
		}
		x := int(idx[k])
		k++
		if x < 0 || x >= dict.Len() {
			return 0, c.corrupt(b)
		}
		switch c.role {
		case roleNum:
			b.num[c.index].add(c.dictNum[x])
		case roleCat:
			code := c.dictCode[x]
			if code == unassigned {
				d := &b.cat[c.index]
				code = d.code(c.textOf(c.dict.Index(int32(x))))
				c.dictCode[x] = code
			}
			b.cat[c.index].col.add(code)
		default:
			lo := 0
			if x > 0 {
				lo = c.dictEnds[x-1]
			}
			if err := c.addText(b, row+i, c.dictBytes[lo:c.dictEnds[x]]); err != nil {
				return 0, err
			}
		}
	}
	return rows, nil
}

// unassigned marks a dictionary entry not yet seen in the data, so levels keep their order of
// first appearance in the rows even when a dictionary is ordered otherwise.
const unassigned int32 = -2

// setDict converts every entry of a new dictionary.
func (c *pqColumn) setDict(dict parquet.Dictionary) {
	c.dict = dict
	n := dict.Len()
	c.dictNum, c.dictCode = c.dictNum[:0], c.dictCode[:0]
	c.dictBytes, c.dictEnds = c.dictBytes[:0], c.dictEnds[:0]
	for i := range n {
		v := dict.Index(int32(i))
		switch c.role {
		case roleNum:
			c.dictNum = append(c.dictNum, c.number(v))
		case roleCat:
			c.dictCode = append(c.dictCode, unassigned)
		default:
			c.dictBytes = append(c.dictBytes, c.textOf(v)...)
			c.dictEnds = append(c.dictEnds, len(c.dictBytes))
		}
	}
}
