import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { comparisonText, MAX_PATTERN_CLAUSES, MAX_PATTERN_DEPTH, parsePattern, PatternError, toClauses } from './stix-pattern.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);
const clauses = (p: string) => toClauses(parsePattern(p)).map((c) => c.map(comparisonText).join(' & '));

test('one comparison', () => {
  assert.deepEqual(clauses("[ipv4-addr:value = '198.51.100.1']"), ["ipv4-addr:value = '198.51.100.1'"]);
});

test('AND binds tighter than OR inside an observation', () => {
  assert.deepEqual(clauses("[domain-name:value = 'a.example' OR ipv4-addr:value = '192.0.2.1' AND ipv4-addr:value = '192.0.2.2']"), [
    "domain-name:value = 'a.example'",
    "ipv4-addr:value = '192.0.2.1' & ipv4-addr:value = '192.0.2.2'",
  ]);
  assert.deepEqual(clauses("[(domain-name:value = 'a.example' OR domain-name:value = 'b.example') AND network-traffic:dst_port = 443]"), [
    "domain-name:value = 'a.example' & network-traffic:dst_port = 443",
    "domain-name:value = 'b.example' & network-traffic:dst_port = 443",
  ]);
});

test('observation operators, qualifiers, IN, quoted path components, escapes, literals', () => {
  assert.deepEqual(clauses("[url:value = 'http://x.example/'] AND ([ipv4-addr:value = '192.0.2.1'] OR [ipv6-addr:value = '2001:db8::1']) WITHIN 300 SECONDS"), [
    "url:value = 'http://x.example/' & ipv4-addr:value = '192.0.2.1'",
    "url:value = 'http://x.example/' & ipv6-addr:value = '2001:db8::1'",
  ]);
  assert.deepEqual(clauses("[file:hashes.'SHA-256' = 'ab'] FOLLOWEDBY [domain-name:value = 'it\\'s.example'] REPEATS 5 TIMES START t'2024-01-01T00:00:00Z' STOP t'2024-02-01T00:00:00Z'"), [
    "file:hashes.SHA-256 = 'ab' & domain-name:value = 'it's.example'",
  ]);
  assert.deepEqual(clauses("[ipv4-addr:value IN ('192.0.2.1', '192.0.2.2')]"), ["ipv4-addr:value = '192.0.2.1'", "ipv4-addr:value = '192.0.2.2'"]);
  assert.deepEqual(clauses("[ipv4-addr:value NOT IN ('192.0.2.1')]"), ["ipv4-addr:value NOT IN ('192.0.2.1')"]);
  assert.deepEqual(clauses("[process:name MATCHES '^evil' AND x-custom-obj:flag = true AND network-traffic:dst_port >= -1 AND artifact:payload_bin = b'AAAA' AND file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.5]"), [
    "process:name MATCHES '^evil' & x-custom-obj:flag = true & network-traffic:dst_port >= -1 & artifact:payload_bin = 'AAAA' & file:extensions.windows-pebinary-ext.sections[*].entropy > 7.5",
  ]);
  assert.deepEqual(clauses('[EXISTS windows-registry-key:values]'), ['windows-registry-key:values EXISTS']);
});

test('malformed patterns are PatternErrors with the reason', () => {
  const bad: [string, RegExp][] = [
    ["[ipv4-addr:value = '1.2.3.4'", /expected '\]'/],
    ["ipv4-addr:value = '1.2.3.4'", /expected '\[' or '\('/],
    ["[ipv4-addr:value = '1.2.3.4]", /unterminated string/],
    ["[ipv4-addr:value ~ '1']", /unexpected character '~'/],
    ["[ipv4-addr:value = 'a'] BOGUS [url:value = 'b']", /unexpected word 'BOGUS'/],
    ["[ipv4-addr:value = 'a\\n']", /bad escape/],
    ["[ipv4-addr:value]", /expected a comparison operator/],
    ['', /expected '\[' or '\('/],
  ];
  for (const [p, re] of bad) assert.throws(() => parsePattern(p), (e: unknown) => e instanceof PatternError && re.test(e.message), p);
});

test('limits: nesting depth and clause blow-up are refused, not run', () => {
  const deep = '('.repeat(MAX_PATTERN_DEPTH + 1) + "[url:value = 'x']" + ')'.repeat(MAX_PATTERN_DEPTH + 1);
  assert.throws(() => parsePattern(deep), /nesting deeper than/);
  const alt = "[domain-name:value = 'a' OR domain-name:value = 'b' OR domain-name:value = 'c' OR domain-name:value = 'd']";
  const blow = Array.from({ length: 6 }, () => alt).join(' AND '); // 4^6 = 4096 clauses
  assert.ok(4 ** 6 > MAX_PATTERN_CLAUSES);
  assert.throws(() => toClauses(parsePattern(blow)), /more than 1024 alternatives/);
  assert.throws(() => parsePattern('['.repeat(70_000)), /longer than/);
});

test('property: arbitrary text never throws anything but PatternError', () => {
  const atoms = fc.constantFrom('[', ']', '(', ')', ' AND ', ' OR ', ' NOT ', ' IN ', ' = ', "'x'", 'ipv4-addr:value', ', ', '5', ' WITHIN ', ' SECONDS', "t'", '\\');
  const text = fc.oneof(fc.string({ maxLength: 60 }), fc.array(atoms, { maxLength: 30 }).map((a) => a.join('')));
  fc.assert(fc.property(text, (p) => {
    try {
      toClauses(parsePattern(p));
    } catch (e) {
      assert.ok(e instanceof PatternError, `${p}: ${String(e)}`);
    }
  }), { numRuns: RUNS });
});
