package statestore

// BulkLoad writes records straight into the store with a Badger WriteBatch, bypassing
// ApplyBatch, so tests can build large stores quickly (ApplyBatch is tested on its own).
func BulkLoad(s *Store, recs []Record) error {
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	for i := range recs {
		if err := wb.Set(stateKey(recs[i].State.StoreID), encodeRecord(nil, &recs[i], nil)); err != nil {
			return err
		}
	}
	return wb.Flush()
}
