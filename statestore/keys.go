package statestore

import "encoding/binary"

// Key layout. Every key starts with a one-byte kind and '/':
//
//	s/<store id>                                  Record (state and deletion marker)
//	e/<store id>                                  Emission
//	o/<topic> 0x00 <partition, 4 bytes BE>        applied offset
//	n/<id, 4 bytes BE>                            string of the records' dictionary (dict.go)
var (
	prefixState    = []byte("s/")
	prefixEmission = []byte("e/")
	prefixOffset   = []byte("o/")
)

func stateKey(id string) []byte {
	return append(append(make([]byte, 0, 2+len(id)), prefixState...), id...)
}
func emissionKey(id string) []byte {
	return append(append(make([]byte, 0, 2+len(id)), prefixEmission...), id...)
}

func offsetPrefix(topic string) []byte {
	return append(append(append([]byte(nil), prefixOffset...), topic...), 0)
}

func offsetKey(topic string, partition int32) []byte {
	return binary.BigEndian.AppendUint32(offsetPrefix(topic), uint32(partition))
}
