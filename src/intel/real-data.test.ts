import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDataset } from '../detect/dataset.js';
import { MemorySink } from '../records/writers.js';
import { decodeCaptures } from '../sensor/decode-file.js';
import { dataPath, skipUnless } from '../testing/data.js';
import { parseFeedText } from './formats/registry.js';
import { IntelIndex } from './intel-index.js';
import { matchDataset } from './match-dataset.js';

// Ground truth from the shared data README: CryptoWall 4 C2 POSTs to homealldaylong.com (184.170.149.44).
const CAPTURE = dataPath('parsers', 'chrissanders-packets', 'cryptowall4_c2.pcapng');

test('real capture: CryptoWall 4 C2 found by its domain (HTTP Host) and by its address', { skip: skipUnless(CAPTURE) }, async () => {
  const sink = new MemorySink();
  await decodeCaptures([CAPTURE!], sink);
  const ds = buildDataset(sink.records);
  const { result } = parseFeedText('# C2 of the CryptoWall 4 sample\nhomealldaylong.com\n184.170.149.44\n', { feed: 'readme' });
  const findings = matchDataset(IntelIndex.build([result.indicators]), ds);
  const dom = findings.find((f) => f.kind === 'domain');
  const ip = findings.find((f) => f.kind === 'ip');
  assert.ok(dom && ip, findings.map((f) => f.title).join('\n'));
  assert.equal(dom.src, ip.src);
  assert.equal(dom.fqdn, 'homealldaylong.com');
  assert.equal((dom.evidence.channels as Record<string, number>).http_host, 3);
  assert.equal(ip.dst, '184.170.149.44');
  assert.equal(ip.port, 80);
  assert.equal(ip.evidence.sightings, ds.conns.filter((c) => c.resp_h === '184.170.149.44').length);
});
