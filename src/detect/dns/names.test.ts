import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { labelScore } from './lexical.js';
import { excludedQuery, nameParts, splitLabels } from './names.js';
import { catalogueEntry } from './settings.js';

test('labels: escaped dots do not split, case folds, no empty labels', () => {
  assert.deepEqual(splitLabels('WwW.a\\.b\\001.Example.COM.'), ['www', 'a\\.b\\001', 'example', 'com']);
  assert.deepEqual(splitLabels(''), []);
});

test('registered domains follow the public suffix list, private suffixes included', () => {
  const p = nameParts('a.b.Example.co.uk');
  assert.equal(p.registered, 'example.co.uk');
  assert.equal(p.subdomain, 'a.b');
  assert.equal(p.owner, 'example');
  assert.equal(p.knownSuffix, true);
  const cf = nameParts('d3tglifpd8whs6.cloudfront.net');
  assert.equal(cf.registered, 'd3tglifpd8whs6.cloudfront.net');
  assert.equal(cf.icannRegistered, 'cloudfront.net');
  assert.equal(cf.icannOwner, 'cloudfront');
  assert.equal(nameParts('evil.duckdns.org').registered, 'evil.duckdns.org');
  assert.equal(nameParts('www.google.com').icannOwner, 'google');
});

test('unknown and impossible top-level labels', () => {
  const sea = nameParts('yrbi02.pirate.sea');
  assert.equal(sea.registered, 'pirate.sea');
  assert.equal(sea.knownSuffix, false);
  assert.equal(sea.invalidTld, false);
  const dnscat = nameParts('dnscat.546b03f5.19e4d098dc8c618f8d81cfeb02');
  assert.equal(dnscat.invalidTld, true);
  assert.equal(dnscat.registered, undefined);
  assert.equal(dnscat.subdomain, dnscat.name);
});

test('escaped bytes in a label do not break the cut', () => {
  const p = nameParts('zi04aA-La-fl\\251te.pirate.sea');
  assert.equal(p.registered, 'pirate.sea');
  assert.equal(p.subdomain, 'zi04aa-la-fl\\251te');
  assert.equal(nameParts('fl\\251te.com').registered, 'fl\\251te.com');
});

test('single labels and bare suffixes are their own registered domain, with no subdomain', () => {
  assert.equal(nameParts('wpad').subdomain, '');
  assert.equal(nameParts('co.uk').registered, 'co.uk');
  assert.equal(nameParts('co.uk').owner, undefined);
});

test('exclusions: multicast DNS, LLMNR, .local, reverse lookups', () => {
  assert.equal(excludedQuery('printer._ipp._tcp.local', '224.0.0.251', 5353), 'multicast_dns');
  assert.equal(excludedQuery('host', '224.0.0.252', 5355), 'multicast_dns');
  assert.equal(excludedQuery('mybox.local', '10.0.0.53', 53), 'multicast_dns');
  assert.equal(excludedQuery('4.3.2.1.in-addr.arpa', '10.0.0.53', 53), 'reverse_lookup');
  assert.equal(excludedQuery('b.a.9.8.ip6.arpa.', '10.0.0.53', 53), 'reverse_lookup');
  assert.equal(excludedQuery('', '10.0.0.53', 53), 'empty_query');
  assert.equal(excludedQuery('www.example.com', '10.0.0.53', 53), undefined);
});

test('catalogue matching includes the apex and stops at label boundaries', () => {
  assert.equal(catalogueEntry('spamhaus.org')?.what, 'Spamhaus blocklists');
  assert.equal(catalogueEntry('1.2.zen.spamhaus.org')?.what, 'Spamhaus blocklists');
  assert.equal(catalogueEntry('notspamhaus.org'), undefined);
  assert.equal(catalogueEntry('x.y.akamaiedge.net')?.kind, 'cdn');
  assert.equal(catalogueEntry('4.3.2.1.zen.spamhaus.org')?.kind, 'lookup');
  assert.equal(catalogueEntry('example.com'), undefined);
});

test('property: any query string parses without throwing, with consistent parts and a bounded score', () => {
  const label = fc.stringMatching(/^[a-zA-Z0-9_\\-]{1,20}$/);
  const query = fc.oneof(
    fc.array(fc.oneof(label, fc.constantFrom('com', 'co', 'uk', 'net', 'cloudfront', 'arpa', 'local', '\\.', '\\255')), { minLength: 0, maxLength: 8 }).map((l) => l.join('.')),
    fc.string({ maxLength: 80 }),
  );
  fc.assert(fc.property(query, (q) => {
    const p = nameParts(q);
    assert.equal(p.name, splitLabels(q).join('.'));
    if (p.registered !== undefined) {
      assert.ok(p.name === p.registered || p.name.endsWith('.' + p.registered), `${p.name} / ${p.registered}`);
      assert.equal(p.subdomain === '' ? p.registered : `${p.subdomain}.${p.registered}`, p.name);
    } else assert.equal(p.invalidTld || p.labels.length === 0, true);
    if (p.icannRegistered !== undefined) assert.ok(p.name === p.icannRegistered || p.name.endsWith('.' + p.icannRegistered));
    for (const l of p.labels) {
      const s = labelScore(l);
      assert.ok(s >= 0 && s <= 1, `${l}: ${s}`);
    }
  }), { numRuns: Number(process.env.C2HUNT_FUZZ_RUNS ?? 300) });
});
