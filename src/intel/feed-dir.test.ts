import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { IntelError } from './errors.js';
import { IntelDirectory, resolveIntelDir } from './feed-dir.js';
import { matchRecord } from './match.js';
import { conn, fixture, TESTDATA } from './testing.js';

const made: string[] = [];
after(() => { for (const d of made) rmSync(d, { recursive: true, force: true }); });
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'c2hunt-intel-'));
  made.push(d);
  return d;
}

const isIntel = (code: string, re: RegExp) => (e: unknown) => {
  assert.ok(e instanceof IntelError, String(e));
  assert.equal(e.code, code);
  assert.match(e.message, re);
  return true;
};

/** A local HTTP server whose answer the test sets; closed after the test. */
async function server(): Promise<{ url: string; set(status: number, body: string | Buffer): void; hits: () => number; close(): Promise<void> }> {
  let status = 200, body: string | Buffer = '', hits = 0;
  const s: Server = createServer((_req, res) => {
    hits++;
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(body);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/feed.csv`,
    set(st, b) { status = st; body = b; },
    hits: () => hits,
    close: () => new Promise<void>((r) => s.close(() => r())),
  };
}

/** A local port that nothing listens on (bound then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('the directory: option, else $C2HUNT_INTEL_DIR, else ~/.c2hunt/intel', () => {
  const saved = process.env.C2HUNT_INTEL_DIR;
  try {
    process.env.C2HUNT_INTEL_DIR = '/x/env';
    assert.equal(resolveIntelDir('/x/opt'), '/x/opt');
    assert.equal(resolveIntelDir(), '/x/env');
    delete process.env.C2HUNT_INTEL_DIR;
    assert.match(resolveIntelDir(), /\.c2hunt[/\\]intel$/);
  } finally {
    if (saved === undefined) delete process.env.C2HUNT_INTEL_DIR;
    else process.env.C2HUNT_INTEL_DIR = saved;
  }
});

test('add copies the feed with a manifest; list, load, remove', async () => {
  const d = new IntelDirectory(join(tmp(), 'intel'));
  const r = await d.add(TESTDATA + 'feodo-ipblocklist.csv', { name: 'feodo' });
  assert.equal(r.manifest.format, 'feodo-csv');
  assert.equal(r.manifest.indicators, 2);
  assert.deepEqual(r.manifest.counts, { ip: 2 });
  assert.equal(r.manifest.rejected, 2);
  assert.equal(r.manifest.errors[0]!.where, 'line 12');
  assert.equal(r.manifest.source, TESTDATA + 'feodo-ipblocklist.csv');
  assert.match(r.manifest.sha256, /^[0-9a-f]{64}$/);
  assert.equal(readFileSync(join(d.dir, r.manifest.data_file), 'utf8'), fixture('feodo-ipblocklist.csv'));
  await d.add(TESTDATA + 'sslbl-ja3.csv', { name: 'ja3', confidence: 40 });
  await d.add(TESTDATA + 'plain.txt', { name: 'mine', format: 'plain' });
  assert.deepEqual(d.list().feeds.map((m) => m.name), ['feodo', 'ja3', 'mine']);
  assert.equal(d.get('mine')!.format_forced, true);

  const loaded = d.load();
  assert.deepEqual(loaded.problems, []);
  assert.equal(loaded.index.size, 2 + 2 + 10);
  assert.deepEqual(loaded.index.feeds.map((f) => f.name), ['feodo', 'ja3', 'mine']);
  const ja3 = loaded.index.ja3('1aa7bf8b97e540ca5edd75f7b8384bfa');
  assert.equal(ja3 !== undefined && !Array.isArray(ja3) && ja3.confidence, 40, '--confidence is kept for reloads');
  assert.equal(matchRecord(loaded.index, 'conn', conn('10.0.0.5', '192.0.2.44', 1)).length, 1);

  await assert.rejects(d.add(TESTDATA + 'plain.txt', { name: 'mine' }), isIntel('INTEL_ERR_EXISTS', /^Cannot add feed mine: a feed of that name exists/));
  const again = await d.add(TESTDATA + 'zeek-intel.dat', { name: 'mine', replace: true });
  assert.equal(again.previous?.format, 'plain');
  assert.equal(d.get('mine')!.format, 'zeek-intel');
  const removed = d.remove('mine');
  assert.equal(removed.indicators, 5);
  assert.deepEqual(readdirSync(d.dir).filter((f) => f.startsWith('mine')), [], 'manifest and data gone');
  assert.throws(() => d.remove('mine'), isIntel('INTEL_ERR_NOT_FOUND', /^Cannot remove feed mine: no such feed/));
  assert.throws(() => d.remove('../x'), isIntel('INTEL_ERR_NAME', /^Cannot remove feed '\.\.\/x'/));
});

test('a feed that cannot be used is refused and nothing is written', async () => {
  const dir = tmp();
  const d = new IntelDirectory(join(dir, 'intel'));
  const bad = join(dir, 'bad.txt');
  writeFileSync(bad, '# my list\nnot an indicator\n300.1.1.1\n');
  await assert.rejects(d.add(bad, { name: 'bad', format: 'plain' }), isIntel('INTEL_ERR_EMPTY', /^Cannot add feed bad: no valid indicator \(plain\): line 2: .*; line 3: '300\.1\.1\.1' is not an IP address$/));
  await assert.rejects(d.add(bad, { name: 'bad' }), isIntel('INTEL_ERR_FORMAT', /^Cannot add feed bad: format not recognised:\n/));
  await assert.rejects(d.add(join(dir, 'missing.txt'), { name: 'm' }), isIntel('INTEL_ERR_READ', /^Cannot add feed m: .*missing\.txt: no such file$/));
  await assert.rejects(d.add(bad, { name: 'x y' }), isIntel('INTEL_ERR_NAME', /a name is letters/));
  writeFileSync(bad, Buffer.from([0x50, 0x4b, 3, 4, 0, 0]));
  await assert.rejects(d.add(bad, { name: 'zip' }), isIntel('INTEL_ERR_READ', /zip archives are not read/));
  assert.equal(existsSync(d.dir), false);
});

test('gzip files are inflated', async () => {
  const dir = tmp();
  const gz = join(dir, 'feed.txt.gz');
  writeFileSync(gz, gzipSync(fixture('plain.txt')));
  const d = new IntelDirectory(join(dir, 'intel'));
  const r = await d.add(gz, { name: 'gz' });
  assert.equal(r.manifest.format, 'plain');
  assert.equal(r.manifest.indicators, 10);
});

test('update: a changed file replaces the feed; a broken or missing one keeps the version in force', async () => {
  const dir = tmp();
  const src = join(dir, 'list.txt');
  writeFileSync(src, '192.0.2.1\n192.0.2.2\n');
  const d = new IntelDirectory(join(dir, 'intel'));
  const first = (await d.add(src, { name: 'list' })).manifest;

  let [u] = await d.update();
  assert.ok(u!.ok && !u.changed);
  assert.equal(d.get('list')!.updated, first.updated, 'unchanged content keeps the update time');

  writeFileSync(src, '192.0.2.1\n192.0.2.2\n192.0.2.3\n');
  [u] = await d.update(['list']);
  assert.ok(u!.ok && u.changed);
  const second = d.get('list')!;
  assert.equal(second.indicators, 3);
  assert.notEqual(second.data_file, first.data_file);
  assert.equal(existsSync(join(d.dir, first.data_file)), false, 'old data file dropped');

  // Broken content: refused, the previous version stays, the failure is recorded.
  writeFileSync(src, 'garbage here\n');
  [u] = await d.update();
  assert.ok(!u!.ok);
  assert.equal(u.error.code, 'INTEL_ERR_FORMAT');
  assert.match(u.error.message, /^Cannot update feed list: format not recognised/);
  const kept = d.get('list')!;
  assert.equal(kept.data_file, second.data_file);
  assert.equal(kept.indicators, 3);
  assert.match(kept.last_error!.message, /^Cannot update feed list/);
  assert.equal(d.load().index.size, 3);

  rmSync(src);
  [u] = await d.update();
  assert.ok(!u!.ok && u.error.code === 'INTEL_ERR_READ' && /no such file/.test(u.error.message));
  assert.equal(d.load().index.size, 3);

  writeFileSync(src, '192.0.2.9\n');
  [u] = await d.update();
  assert.ok(u!.ok && u.changed);
  assert.equal(d.get('list')!.last_error, undefined, 'a success clears the failure');
  await assert.rejects(d.update(['nope']), isIntel('INTEL_ERR_NOT_FOUND', /^Cannot update feed nope/));
});

test('URLs: fetched from a local server; refused connections, HTTP errors and truncated downloads keep the old version', async () => {
  const srv = await server();
  try {
    const d = new IntelDirectory(join(tmp(), 'intel'));
    srv.set(200, fixture('spamhaus-drop.json'));
    const r = await d.add(srv.url, { name: 'drop', timeoutMs: 2000 });
    assert.equal(r.manifest.source_kind, 'url');
    assert.equal(r.manifest.source, srv.url);
    assert.equal(r.manifest.format, 'spamhaus-drop-json');
    assert.equal(r.manifest.indicators, 2);

    srv.set(503, 'busy');
    let [u] = await d.update([], { timeoutMs: 2000 });
    assert.ok(!u!.ok);
    assert.equal(u.error.code, 'INTEL_ERR_FETCH');
    assert.equal(u.error.message, `Cannot update feed drop: cannot fetch ${srv.url}: HTTP 503 Service Unavailable`);

    // A download cut before the trailer is refused as a whole.
    srv.set(200, fixture('spamhaus-drop.json').split('\n').slice(0, 2).join('\n'));
    [u] = await d.update([], { timeoutMs: 2000 });
    assert.ok(!u!.ok && u.error.code === 'INTEL_ERR_TRUNCATED', u!.ok ? '' : u!.error.message);

    srv.set(200, gzipSync(fixture('spamhaus-drop.json').replace('192.0.2.128/25', '192.0.2.0/25')));
    [u] = await d.update([], { timeoutMs: 2000 });
    assert.ok(u!.ok && u.changed);
    assert.ok(d.load().index.networks('192.0.2.1', []) === 1);
    assert.ok(srv.hits() >= 4);
  } finally {
    await srv.close();
  }
});

test('URLs: nothing listening on the port gives a clear error, quickly', async () => {
  const port = await closedPort();
  const d = new IntelDirectory(join(tmp(), 'intel'));
  const url = `http://127.0.0.1:${port}/feed.txt`;
  const t0 = Date.now();
  await assert.rejects(d.add(url, { name: 'off', timeoutMs: 2000 }), isIntel('INTEL_ERR_FETCH', new RegExp(`^Cannot add feed off: cannot fetch ${url.replace(/[.?]/g, '\\$&')}: connection refused$`)));
  assert.ok(Date.now() - t0 < 2000);
  assert.equal(d.list().feeds.length, 0);
});

test('URLs: a server that never answers hits the timeout', async () => {
  const s = createServer(() => { /* never answers */ });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(s.address() as { port: number }).port}/slow`;
    const d = new IntelDirectory(join(tmp(), 'intel'));
    await assert.rejects(d.add(url, { name: 'slow', timeoutMs: 200 }), isIntel('INTEL_ERR_FETCH', /no answer within 0\.2 s$/));
  } finally {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

test('load: a damaged data file is reported and left out, the other feeds load', async () => {
  const d = new IntelDirectory(join(tmp(), 'intel'));
  await d.add(TESTDATA + 'feodo-ipblocklist.txt', { name: 'a' });
  const b = (await d.add(TESTDATA + 'sslbl-ja3.csv', { name: 'b' })).manifest;
  writeFileSync(join(d.dir, b.data_file), 'tampered\n');
  writeFileSync(join(d.dir, 'junk.json'), '{not json');
  const l = d.load();
  assert.equal(l.index.size, 2);
  assert.deepEqual(l.feeds.map((m) => m.name), ['a']);
  assert.equal(l.problems.length, 2);
  assert.ok(l.problems.some((p) => /junk\.json/.test(p)));
  assert.ok(l.problems.some((p) => /feed b not loaded: data file .* does not match its sha256/.test(p)));
});

test('leftovers of an interrupted write are cleaned up, other feeds files are not', async () => {
  const d = new IntelDirectory(join(tmp(), 'intel'));
  await d.add(TESTDATA + 'feodo-ipblocklist.txt', { name: 'a' });
  await d.add(TESTDATA + 'feodo-ipblocklist.txt', { name: 'a.b' });
  writeFileSync(join(d.dir, 'a.0123456789ab.data'), 'orphan');
  writeFileSync(join(d.dir, 'a.json.tmp-1-deadbeef'), 'half');
  await d.add(TESTDATA + 'plain.txt', { name: 'a', replace: true });
  const files = readdirSync(d.dir).sort();
  assert.deepEqual(files.filter((f) => f.startsWith('a.') && !f.startsWith('a.b')), ['a.json', `${d.get('a')!.data_file}`].sort());
  assert.equal(files.filter((f) => f.startsWith('a.b.')).length, 2, "feed a.b's manifest and data untouched");
});
