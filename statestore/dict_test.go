package statestore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

func openTestStore(t *testing.T, dir string) *Store {
	t.Helper()
	cfg := DefaultConfig(dir)
	cfg.InMemory = dir == ""
	s, err := Open(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// storedSize is the size of store id's value in Badger.
func storedSize(t *testing.T, s *Store, id string) int {
	t.Helper()
	var n int
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(stateKey(id))
		if err != nil {
			return err
		}
		n = int(item.ValueSize())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDictionaryPersists writes records whose strings get ids, reopens the store and reads
// them back; the records take fewer bytes than with every string inline, a string too long
// for the dictionary stays inline, and ids given before the reopen keep their meaning.
func TestDictionaryPersists(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	long := strings.Repeat("x", dictMaxLen+1)
	u := Update{StoreID: "s1", EventTime: 10, Source: "erp",
		Num: []NumValue{{Name: "revenue_12m", Value: 1}, {Name: "sales_area_m2", Value: 2}},
		Cat: []CatValue{{Name: "format", Value: "supermarket"}, {Name: "note", Value: long}}}
	s := openTestStore(t, dir)
	if _, err := s.ApplyBatch(ctx, []Update{u}, nil); err != nil {
		t.Fatal(err)
	}
	snap := s.dict.snap()
	for _, v := range []string{"erp", "revenue_12m", "sales_area_m2", "format", "supermarket", "note"} {
		if _, ok := snap.ids[v]; !ok {
			t.Errorf("dictionary lacks %q after a write", v)
		}
	}
	if _, ok := snap.ids[long]; ok {
		t.Errorf("dictionary holds a string of %d bytes; want at most %d", len(long), dictMaxLen)
	}
	want, err := s.Get(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	rec := Record{State: want, Revision: 1}
	if got, inline := storedSize(t, s, "s1"), len(encodeRecord(nil, &rec, nil)); got >= inline {
		t.Errorf("stored record takes %d bytes, %d with every string inline; want fewer", got, inline)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openTestStore(t, dir)
	defer s.Close()
	if n := len(s.dict.snap().strs); n != len(snap.strs) {
		t.Errorf("reopened dictionary has %d strings; want %d", n, len(snap.strs))
	}
	u2 := Update{StoreID: "s2", EventTime: 11, Source: "pos", Num: []NumValue{{Name: "revenue_12m", Value: 3}}}
	if _, err := s.ApplyBatch(ctx, []Update{u2}, nil); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after reopen: %+v; want %+v", got, want)
	}
	if got2, err := s.Get(ctx, "s2"); err != nil || got2.Source != "pos" || got2.Num[0].Name != "revenue_12m" {
		t.Errorf("store written after reopen: %+v, %v", got2, err)
	}
}

// TestDictionaryFull checks that a full dictionary takes no more strings, and that records
// then keep them inline.
func TestDictionaryFull(t *testing.T) {
	s := openTestStore(t, "")
	defer s.Close()
	strs := make([]string, dictMaxEntries-1)
	for i := range strs {
		strs[i] = fmt.Sprintf("s%d", i)
	}
	s.dict = newDict(strs)
	if err := s.dict.add(s.db, []string{"a", "b", "a"}); err != nil {
		t.Fatal(err)
	}
	snap := s.dict.snap()
	if len(snap.strs) != dictMaxEntries {
		t.Fatalf("dictionary has %d strings; want %d", len(snap.strs), dictMaxEntries)
	}
	if _, ok := snap.ids["a"]; !ok {
		t.Errorf("the last free id did not go to the first new string")
	}
	ctx := context.Background()
	u := Update{StoreID: "s", EventTime: 1, Cat: []CatValue{{Name: "b", Value: "c"}}}
	if _, err := s.ApplyBatch(ctx, []Update{u}, nil); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "s")
	if err != nil || got.Cat[0].Name != "b" || got.Cat[0].Value != "c" {
		t.Errorf("record with strings a full dictionary lacks: %+v, %v", got, err)
	}
}

// TestDictionaryGap checks that a dictionary whose ids do not run from 0 without a gap is
// reported as corrupt.
func TestDictionaryGap(t *testing.T) {
	dir := t.TempDir()
	s := openTestStore(t, dir)
	err := s.db.Update(func(txn *badger.Txn) error {
		if err := txn.Set(dictKey(0), []byte("a")); err != nil {
			return err
		}
		return txn.Set(dictKey(2), []byte("c"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig(dir)
	if s, err := Open(cfg, nil); !errors.Is(err, ErrCorrupt) {
		if err == nil {
			s.Close()
		}
		t.Fatalf("Open with a gap in the dictionary = %v; want ErrCorrupt", err)
	}
}
