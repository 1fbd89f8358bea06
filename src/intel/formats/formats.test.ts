import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { detectFormat, FORMATS, parseFeedText } from './registry.js';
import { Sniff, splitCsv, type ParseResult } from './types.js';
import { parseForFeed } from '../feed-dir.js';
import { IntelError } from '../errors.js';
import { fixture } from '../testing.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);

function parse(name: string): { format: string; result: ParseResult } {
  return parseFeedText(fixture(name), { feed: 't' });
}
const values = (r: ParseResult) => r.indicators.map((i) => `${i.type} ${i.value}`);

test('plain list: IPs, CIDRs, domains, URLs, comments, inline comments, hosts lines, defanged values', () => {
  const { format, result } = parse('plain.txt');
  assert.equal(format, 'plain');
  assert.deepEqual(values(result), [
    'ip 192.0.2.10', 'cidr 198.51.100.0/24', 'ip 2001:db8::bad', 'cidr 2001:db8:1::/48', 'domain c2.badguy.example',
    'domain mal.example', 'url https://dropper.example/payload/x.bin?id=7', 'ip 203.0.113.9', 'url http://defanged.example/gate.php',
    'domain hosts-style.example',
  ]);
  assert.equal(result.indicators[7]!.port, 8443);
  assert.equal(result.rejected, 2);
  assert.deepEqual(result.errors.map((e) => e.where), ['line 15', 'line 16']);
  assert.match(result.errors[1]!.reason, /10\.1\.2\.300.*not an IP address/);
  assert.ok(result.indicators.every((i) => i.feed === 't' && i.confidence === 50));
});

test('Feodo Tracker text, CSV and JSON', () => {
  const txt = parse('feodo-ipblocklist.txt');
  assert.equal(txt.format, 'feodo-txt');
  assert.deepEqual(values(txt.result), ['ip 192.0.2.44', 'ip 198.51.100.77']);
  assert.equal(txt.result.generated, Date.UTC(2024, 2, 1, 10, 15) / 1000);

  const csv = parse('feodo-ipblocklist.csv');
  assert.equal(csv.format, 'feodo-csv');
  assert.deepEqual(values(csv.result), ['ip 192.0.2.44', 'ip 198.51.100.77']);
  const [a, b] = csv.result.indicators;
  assert.equal(a!.family, 'Pikabot');
  assert.equal(a!.port, 443);
  assert.equal(a!.confidence, 90);
  assert.equal(b!.confidence, 75, 'offline C2 lower');
  assert.deepEqual(a!.tags, ['botnet_cc', 'online']);
  assert.equal(a!.first_seen, Date.UTC(2023, 10, 2, 8, 1, 12) / 1000);
  assert.deepEqual(csv.result.errors.map((e) => e.where), ['line 12', 'line 13']);
  assert.match(csv.result.errors[1]!.reason, /expected 6 columns/);

  // The header may also be commented out, and lines may end in CRLF.
  const variant = parseFeedText(fixture('feodo-ipblocklist.csv').replace('\n"first_seen_utc"', '\n# "first_seen_utc"').replace(/\n/g, '\r\n'), { feed: 't' });
  assert.equal(variant.format, 'feodo-csv');
  assert.deepEqual(values(variant.result), ['ip 192.0.2.44', 'ip 198.51.100.77']);

  const json = parse('feodo-ipblocklist.json');
  assert.equal(json.format, 'feodo-json');
  assert.deepEqual(values(json.result), ['ip 192.0.2.44', 'ip 2001:db8::44']);
  assert.equal(json.result.indicators[1]!.family, 'QakBot');
});

test('ThreatFox CSV and JSON: ip:port, domains, URLs, hashes kept, unknown types skipped', () => {
  const csv = parse('threatfox.csv');
  assert.equal(csv.format, 'threatfox-csv');
  assert.deepEqual(values(csv.result), [
    'ip 203.0.113.50', 'domain beacon.badguy.example', 'url http://gate.badguy.example/panel/gate.php',
    'sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  ]);
  const [ip, dom, url] = csv.result.indicators;
  assert.equal(ip!.port, 443);
  assert.equal(ip!.confidence, 100);
  assert.equal(ip!.family, 'Cobalt Strike');
  assert.deepEqual(ip!.tags, ['botnet_cc', 'c2', 'cobaltstrike']);
  assert.equal(dom!.confidence, 75);
  assert.equal(dom!.reference, 'https://threatfox.abuse.ch/ioc/1000002/');
  assert.equal(url!.reference, undefined, "'None' is no reference");
  assert.deepEqual(csv.result.errors.map((e) => e.where), ['line 14']);
  assert.deepEqual(csv.result.skipped, { 'unsupported ioc_type email': 1 });

  const json = parse('threatfox.json');
  assert.equal(json.format, 'threatfox-json');
  assert.deepEqual(values(json.result), ['ip 203.0.113.50', 'domain beacon.badguy.example']);
  assert.equal(json.result.indicators[0]!.port, 443);

  // The API answer shape.
  const api = parseFeedText(JSON.stringify({ query_status: 'ok', data: [{ id: '1', ioc: 'c2.badguy.example', ioc_type: 'domain', threat_type: 'botnet_cc', malware_printable: 'IcedID', confidence_level: 90, first_seen: '2024-01-01 00:00:00 UTC', tags: ['IcedID'] }] }), { feed: 't' });
  assert.equal(api.format, 'threatfox-json');
  assert.deepEqual(values(api.result), ['domain c2.badguy.example']);
  assert.equal(api.result.indicators[0]!.first_seen, Date.UTC(2024, 0, 1) / 1000);
});

test('URLhaus CSV: URLs normalised (case, default port), broken rows counted', () => {
  const { format, result } = parse('urlhaus.csv');
  assert.equal(format, 'urlhaus-csv');
  assert.deepEqual(values(result), ['url http://192.0.2.99:8080/bins/mozi.m', 'url https://dropper.example/invoice.zip']);
  assert.ok(result.indicators[0]!.tags.includes('mozi'));
  assert.equal(result.indicators[0]!.reference, 'https://urlhaus.abuse.ch/url/2000001/');
  assert.deepEqual(result.errors.map((e) => e.where), ['line 12']);
});

test('SSLBL JA3 and certificate CSVs (header line commented out)', () => {
  const ja3 = parse('sslbl-ja3.csv');
  assert.equal(ja3.format, 'sslbl-ja3-csv');
  assert.deepEqual(values(ja3.result), ['ja3 1aa7bf8b97e540ca5edd75f7b8384bfa', 'ja3 8f52d1ce303fb4a6515836aec3cc16b1']);
  assert.equal(ja3.result.indicators[0]!.family, 'TrickBot');
  assert.deepEqual(ja3.result.errors.map((e) => e.where), ['line 11']);
  const cert = parse('sslbl-cert.csv');
  assert.equal(cert.format, 'sslbl-cert-csv');
  assert.equal(cert.result.indicators[0]!.type, 'cert_sha1');
  assert.equal(cert.result.indicators[0]!.family, 'Cobalt Strike');
});

test('Spamhaus DROP text and NDJSON (trailer required)', () => {
  const txt = parse('spamhaus-drop.txt');
  assert.equal(txt.format, 'spamhaus-drop');
  assert.deepEqual(values(txt.result), ['cidr 192.0.2.128/25', 'cidr 198.51.100.0/26']);
  assert.deepEqual(txt.result.indicators[0]!.tags, ['spamhaus-drop', 'sbl000001']);
  assert.deepEqual(txt.result.errors, [{ where: 'line 7', reason: "'203.0.113.0/33' is not a network (prefix length must be 0..32)" }]);

  const nd = parse('spamhaus-drop.json');
  assert.equal(nd.format, 'spamhaus-drop-json');
  assert.deepEqual(values(nd.result), ['cidr 192.0.2.128/25', 'cidr 2001:db8:f00::/40']);
  assert.equal(nd.result.generated, 1709283600);
  assert.deepEqual(nd.result.errors.map((e) => e.where), ['line 3']);
  assert.deepEqual(nd.result.warnings, []);
  // Without its trailer the file is a truncated download: unusable as a whole.
  const cut = fixture('spamhaus-drop.json').split('\n').slice(0, 2).join('\n');
  const r = parseFeedText(cut, { feed: 't' });
  assert.match(r.result.fatal ?? '', /no metadata trailer/);
  assert.throws(() => parseForFeed('add', 'drop', cut), (e: unknown) => e instanceof IntelError && e.code === 'INTEL_ERR_TRUNCATED' && /Cannot add feed drop: spamhaus-drop-json: no metadata trailer/.test(e.message));
  // A trailer that disagrees with the count is a warning.
  const odd = fixture('spamhaus-drop.json').replace('"records":3', '"records":5');
  assert.match(parseFeedText(odd, { feed: 't' }).result.warnings[0]!, /says 5 records, 3 were read/);
});

test('Emerging Threats block list: sections become tags', () => {
  const { format, result } = parse('et-block-ips.txt');
  assert.equal(format, 'et-ip');
  assert.deepEqual(values(result), ['cidr 192.0.2.128/25', 'cidr 198.51.100.0/26', 'cidr 203.0.113.0/24', 'ip 192.0.2.44']);
  assert.deepEqual(result.indicators.map((i) => i.tags[1]), ['spamhaus drop nets', 'spamhaus drop nets', 'dshield top attackers', 'feodo tracker']);
});

test('MISP event: to_ids attributes (objects too), composite types, galaxy family, threat level confidence', () => {
  const { format, result } = parse('misp-event.json');
  assert.equal(format, 'misp-json');
  assert.deepEqual(values(result), [
    'ip 203.0.113.50', 'ip 198.51.100.23', 'domain beacon.badguy.example', 'ip 203.0.113.51',
    'url http://beacon.badguy.example/jquery-3.3.1.min.js', 'ja3 72a589da586844d7f0818ce684948eea',
    'cert_sha1 6ad0f2b4a2fb4e1a0f1d0b1f4f0a6f2f9e0e4b1c', 'sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'domain cdn.badguy.example', 'ip 2001:db8::c2',
  ]);
  assert.ok(result.indicators.every((i) => i.family === 'Cobalt Strike' && i.confidence === 90));
  assert.equal(result.indicators[1]!.port, 8443);
  assert.equal(result.indicators[0]!.description, 'team server');
  assert.ok(result.indicators[9]!.tags.includes('kill-chain:command-and-control'));
  assert.deepEqual(result.skipped, { 'to_ids false (context, not for detection)': 1, 'unsupported attribute type email-src': 1 });
  assert.deepEqual(result.errors, [{ where: 'Event.Attribute[8]', reason: "ip-dst: 'not-an-ip' is not an IP address" }]);
  // restSearch answers hold a list of events.
  const rest = parseFeedText(JSON.stringify({ response: [JSON.parse(fixture('misp-event.json'))] }), { feed: 't' });
  assert.equal(rest.format, 'misp-json');
  assert.equal(rest.result.indicators.length, 10);
});

test('STIX 2.1 bundle: patterns with AND/OR/IN, families from relationships, expiry, conditions kept', () => {
  const { format, result } = parse('stix-bundle.json');
  assert.equal(format, 'stix2');
  assert.deepEqual(values(result), [
    'ip 192.0.2.61', 'domain emotet.badguy.example', 'domain loader.badguy.example',
    'sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'ip 2001:db8::61', 'url http://emotet.badguy.example/wp-admin/x.php',
    'cert_sha1 0123456789abcdef0123456789abcdef01234567', 'cidr 198.51.100.0/25', 'ip 203.0.113.61',
  ]);
  const [ip, dom] = result.indicators;
  assert.equal(ip!.family, 'Emotet');
  assert.equal(ip!.confidence, 85);
  assert.equal(ip!.expires, Date.UTC(2024, 5, 1) / 1000);
  assert.equal(dom!.family, 'Emotet');
  assert.equal(dom!.confidence, 60);
  assert.equal(dom!.condition, undefined, 'OR alternatives carry no condition');
  assert.match(result.indicators[4]!.condition!, /network-traffic:dst_port = 8443/);
  assert.deepEqual(result.skipped, { 'pattern_type snort': 1, 'revoked indicators': 1 });
  assert.equal(result.errors.length, 1);
  assert.match(result.errors[0]!.where, /objects\[5\]/);
  assert.match(result.errors[0]!.reason, /^pattern: expected '\]'/);
});

test('Zeek Intel file: types mapped, URLs without scheme, unsupported types skipped', () => {
  const { format, result } = parse('zeek-intel.dat');
  assert.equal(format, 'zeek-intel');
  assert.deepEqual(values(result), [
    'ip 192.0.2.10', 'cidr 198.51.100.0/24', 'domain c2.badguy.example', 'url http://gate.badguy.example/panel/gate.php',
    'cert_sha1 6ad0f2b4a2fb4e1a0f1d0b1f4f0a6f2f9e0e4b1c',
  ]);
  assert.equal(result.indicators[2]!.reference, 'https://intel.example/c2');
  assert.equal(result.indicators[2]!.description, 'C2 domain');
  assert.deepEqual(result.indicators[0]!.tags, ['doc-intel']);
  assert.deepEqual(result.skipped, { 'unsupported indicator_type Intel::EMAIL': 1 });
  assert.deepEqual(result.errors.map((e) => e.where), ['line 9']);
});

test('every fixture is detected as its own format and by no format before it', () => {
  const expected: Record<string, string> = {
    'plain.txt': 'plain', 'feodo-ipblocklist.txt': 'feodo-txt', 'feodo-ipblocklist.csv': 'feodo-csv', 'feodo-ipblocklist.json': 'feodo-json',
    'threatfox.csv': 'threatfox-csv', 'threatfox.json': 'threatfox-json', 'urlhaus.csv': 'urlhaus-csv', 'sslbl-ja3.csv': 'sslbl-ja3-csv',
    'sslbl-cert.csv': 'sslbl-cert-csv', 'spamhaus-drop.txt': 'spamhaus-drop', 'spamhaus-drop.json': 'spamhaus-drop-json',
    'et-block-ips.txt': 'et-ip', 'misp-event.json': 'misp-json', 'stix-bundle.json': 'stix2', 'zeek-intel.dat': 'zeek-intel',
  };
  for (const [file, name] of Object.entries(expected)) {
    const d = detectFormat(new Sniff(fixture(file)));
    assert.ok('format' in d, file);
    assert.equal(d.format.name, name, file);
  }
  assert.equal(new Set(Object.values(expected)).size, FORMATS.length, 'a fixture per format');
});

test('unrecognised content: the error lists every format with its reason', () => {
  assert.throws(() => parseForFeed('add', 'junk', 'hello world\nthis is not intel\n'), (e: unknown) => {
    assert.ok(e instanceof IntelError);
    assert.equal(e.code, 'INTEL_ERR_FORMAT');
    assert.match(e.message, /^Cannot add feed junk: format not recognised:/);
    for (const f of FORMATS) assert.match(e.message, new RegExp(`\\n  ${f.name}: `));
    assert.match(e.message, /plain: no line is an IP, CIDR, domain or URL \(line 1: /);
    return true;
  });
  assert.throws(() => parseForFeed('add', 'x', '1.2.3.4', 'nope'), /Cannot add feed x: unknown format 'nope' \(known: stix2, .*, plain\)/);
});

test('a feed with no valid indicator is refused naming the broken lines', () => {
  assert.throws(() => parseForFeed('add', 'bad', '# list\nfoo bar\n300.1.1.1\n', 'plain'), (e: unknown) => {
    assert.ok(e instanceof IntelError);
    assert.equal(e.code, 'INTEL_ERR_EMPTY');
    assert.equal(e.message, "Cannot add feed bad: no valid indicator (plain): line 2: more than one value on the line ('foo bar'); line 3: '300.1.1.1' is not an IP address");
    return true;
  });
  const allBroken = fixture('feodo-ipblocklist.csv').replace(/"192\.0\.2\.44"|"198\.51\.100\.77"/g, '"x"');
  assert.throws(() => parseForFeed('update', 'feodo', allBroken), /^IntelError: Cannot update feed feodo: no valid indicator \(feodo-csv\): line 10: 'x' is not an IP address; line 11: /);
  assert.throws(() => parseForFeed('add', 'e', ''), /Cannot add feed e: format not recognised/);
});

test('a forced format parses content its detector would decline', () => {
  const r = parseFeedText('192.0.2.1\n', { feed: 't', confidence: 33 }, 'et-ip');
  assert.equal(r.format, 'et-ip');
  assert.equal(r.result.indicators[0]!.confidence, 33);
});

test('CSV lines: quotes, doubled quotes, blanks after separators, malformed', () => {
  assert.deepEqual(splitCsv('"a", "b,c" ,d,"e""f"'), ['a', 'b,c', 'd', 'e"f']);
  assert.deepEqual(splitCsv(''), ['']);
  assert.deepEqual(splitCsv('a,,b'), ['a', '', 'b']);
  assert.deepEqual(splitCsv('"a'), { error: 'unterminated quoted field' });
  assert.match((splitCsv('"a"x,b') as { error: string }).error, /text after a quoted field/);
});

test('property: no format throws on arbitrary text, and every reject names a place', () => {
  const lineish = fc.array(fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom('# c', '192.0.2.1', '"a","b"', '{"cidr":"x"}', '[', '{', '#fields\tindicator\tindicator_type', 'x\tIntel::ADDR', '"1","2","3"'),
  ), { maxLength: 30 }).map((ls) => ls.join('\n'));
  fc.assert(fc.property(lineish, (text) => {
    for (const f of FORMATS) {
      const s = new Sniff(text);
      const d = f.detect(s);
      assert.ok(d === true || (typeof d === 'string' && d.length > 0));
      const r = f.parse(s, { feed: 'p' });
      for (const e of r.errors) assert.ok(e.where.length > 0 && e.reason.length > 0);
      assert.ok(r.rejected >= r.errors.length);
      for (const i of r.indicators) assert.ok(i.value.length > 0 && i.feed === 'p');
    }
  }), { numRuns: RUNS });
});

test('property: JSON formats never throw on odd shapes inside the right envelope', () => {
  const j = fc.jsonValue({ maxDepth: 3 });
  const obj = fc.dictionary(fc.constantFrom('type', 'value', 'to_ids', 'Attribute', 'Object', 'Tag', 'pattern', 'pattern_type', 'ip_address', 'ioc_value', 'ioc_type', 'tags', 'confidence', 'id', 'cidr', 'deleted', 'threat_level_id', 'revoked', 'valid_until'), j);
  const envelope = fc.oneof(
    fc.record({ Event: obj }),
    obj.map((o) => ({ Event: { ...o, Attribute: [o, o] } })),
    fc.array(obj).map((objects) => ({ type: 'bundle', objects: objects.map((o) => ({ ...o, type: 'indicator' })) })),
    fc.array(obj).map((xs) => xs.map((o) => ({ ...o, ip_address: o.value }))),
    fc.dictionary(fc.string({ maxLength: 4 }), fc.array(obj, { maxLength: 3 })),
    fc.record({ query_status: fc.constant('ok'), data: fc.array(j) }),
  );
  fc.assert(fc.property(envelope, (v) => {
    const text = JSON.stringify(v);
    for (const f of FORMATS) {
      const s = new Sniff(text);
      f.detect(s);
      const r = f.parse(s, { feed: 'p' });
      for (const i of r.indicators) assert.ok(typeof i.value === 'string' && i.value.length > 0);
    }
  }), { numRuns: RUNS });
});
