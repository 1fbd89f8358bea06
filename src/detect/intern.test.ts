import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PairIds, StringIds } from './intern.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);

test('PairIds gives dense first-seen ids, like a Map of string keys, across table growth (property)', () => {
  const small = fc.integer({ min: 0, max: 40 });
  const wide = fc.integer({ min: 0, max: 2 ** 31 - 1 });
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.oneof(small, wide), fc.oneof(small, wide)), { maxLength: 3000 }), (pairs) => {
      const ids = new PairIds();
      const ref = new Map<string, number>();
      for (const [a, b] of pairs) {
        const k = `${a},${b}`;
        let want = ref.get(k);
        if (want === undefined) ref.set(k, (want = ref.size));
        assert.equal(ids.id(a, b), want);
      }
      assert.equal(ids.size, ref.size);
      for (const [k, v] of ref) {
        const [a, b] = k.split(',').map(Number) as [number, number];
        assert.equal(ids.get(a, b), v);
      }
      assert.equal(ids.get(2 ** 31 - 1, 2 ** 31 - 2), ref.get(`${2 ** 31 - 1},${2 ** 31 - 2}`) ?? -1);
    }),
    { numRuns: Math.max(10, RUNS / 5) },
  );
});

test('StringIds interns in first-seen order', () => {
  const s = new StringIds();
  assert.deepEqual(['b', 'a', 'b', 'c', 'a'].map((x) => s.id(x)), [0, 1, 0, 2, 1]);
  assert.deepEqual(s.values, ['b', 'a', 'c']);
  assert.equal(s.get('c'), 2);
  assert.equal(s.get('z'), -1);
});
