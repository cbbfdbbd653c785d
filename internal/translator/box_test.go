// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"strconv"
	"testing"
)

// TestMetaBoxes: a box from metaBoxes is indistinguishable from the one
// the runtime makes (type switch, ==, reflect, fmt, encoding/json, map
// keys), and its value survives garbage collections after the blocks
// are released.
func TestMetaBoxes(t *testing.T) {
	var b metaBoxes
	var got, want []any
	for i := range 3 * boxBlock {
		s := "value " + strconv.Itoa(i)
		n := int64(i*1000 - 7)
		f := float64(i) / 3
		got = append(got, b.str(s), b.text(jsonText("["+s+"]")), b.int(n), b.float(f), b.float(math.Copysign(0, -1)))
		want = append(want, any(s), any(jsonText("["+s+"]")), any(n), any(f), any(math.Copysign(0, -1)))
	}
	b.release()
	runtime.GC()
	runtime.GC()
	for i := range got {
		g, w := got[i], want[i]
		if g != w || !reflect.DeepEqual(g, w) || fmt.Sprintf("%#v", g) != fmt.Sprintf("%#v", w) {
			t.Fatalf("box %d: %#v, want %#v", i, g, w)
		}
		if reflect.TypeOf(g) != reflect.TypeOf(w) {
			t.Fatalf("box %d: type %T, want %T", i, g, w)
		}
		gj, _ := json.Marshal(g)
		wj, _ := json.Marshal(w)
		if string(gj) != string(wj) {
			t.Fatalf("box %d: json %s, want %s", i, gj, wj)
		}
		switch x := g.(type) {
		case string:
			if x != w.(string) {
				t.Fatalf("box %d: string %q", i, x)
			}
		case jsonText, int64, float64:
		default:
			t.Fatalf("box %d: type switch sees %T", i, g)
		}
	}
	m := map[any]int{}
	for i, g := range got {
		m[g] = i
	}
	for i, w := range want {
		if j, ok := m[w]; !ok || !reflect.DeepEqual(got[j], w) {
			t.Fatalf("box %d: not found as a map key", i)
		}
	}
	if n := testing.AllocsPerRun(100, func() { b.str("x"); b.int(1 << 40); b.float(0.5) }); n > 0.1 {
		t.Errorf("boxing allocates %.2f times a run", n)
	}
}
