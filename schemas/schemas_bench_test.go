package schemas_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/linkedin/goavro/v2"

	"github.com/storeseg/storeseg/schemas"
)

func benchUpdate(features int) *schemas.StoreFeatureUpdate {
	u := &schemas.StoreFeatureUpdate{StoreID: "store-000042", EventTime: 1767225600123, Source: "erp", Sequence: 9, HasSequence: true}
	for i := range features {
		if i%4 == 3 {
			u.Categorical = append(u.Categorical, schemas.CategoricalValue{Name: fmt.Sprintf("cat_%03d", i), Value: "value"})
		} else {
			u.Numeric = append(u.Numeric, schemas.NumericValue{Name: fmt.Sprintf("num_%03d", i), Value: float64(i) * 1.5})
		}
	}
	return u
}

// BenchmarkDecodeStoreFeatureUpdate decodes one message per op: written with the newest
// schema (direct), with v1 (resolved), and by goavro into native maps for comparison.
func BenchmarkDecodeStoreFeatureUpdate(b *testing.B) {
	codec, err := goavro.NewCodec(schemas.SchemaOf(&schemas.StoreFeatureUpdate{}).Text)
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{8, 32, 128} {
		u := benchUpdate(n)
		msg, err := schemas.AppendSingleObject(nil, u)
		if err != nil {
			b.Fatal(err)
		}
		v1 := schemas.SingleObjectHeader(schemas.Versions("StoreFeatureUpdate")[0])
		v1msg := append(v1[:], msg[10:len(msg)-1]...) // same body without trace_id
		dec := schemas.NewDecoder(nil)
		ctx := context.Background()
		for _, c := range []struct {
			name string
			msg  []byte
		}{{"latest", msg}, {"v1-resolved", v1msg}} {
			b.Run(fmt.Sprintf("%s/features=%d", c.name, n), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(c.msg)))
				var got schemas.StoreFeatureUpdate
				for b.Loop() {
					if err := dec.Decode(ctx, c.msg, &got); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(fmt.Sprintf("goavro-native/features=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				if _, _, err := codec.NativeFromBinary(msg[10:]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncodeSegmentAssignment(b *testing.B) {
	a := samples()["SegmentAssignment"].(*schemas.SegmentAssignment)
	b.Run("single-object", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 256)
		for b.Loop() {
			var err error
			if buf, err = schemas.AppendSingleObject(buf[:0], a); err != nil {
				b.Fatal(err)
			}
		}
	})
	codec, err := goavro.NewCodec(schemas.SchemaOf(a).Text)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := schemas.AppendBinary(nil, a)
	native, _, err := codec.NativeFromBinary(body)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("goavro-native", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 256)
		for b.Loop() {
			if buf, err = codec.BinaryFromNative(buf[:0], native); err != nil {
				b.Fatal(err)
			}
		}
	})
}
