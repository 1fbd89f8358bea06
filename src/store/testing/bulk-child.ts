/**
 * Test support: `node bulk-child.js DB FILE...` ingests files into a store and prints one JSON
 * line per progress report (`{"phase":"read","bytes":N,"records":N}`, `bytes` counting each
 * file's hash and read) and a last line with the summary; the bulk-load crash test kills it with
 * SIGKILL once the store's engine is reading a file.
 */
import { openStore, ingestPaths } from '../index.js';

const [db, ...files] = process.argv.slice(2);
const store = await openStore(db!);
const summary = await ingestPaths(store, files, {
  onProgress: (p) => process.stdout.write(JSON.stringify({ phase: p.phase, bytes: p.bytesDone, total: p.bytesTotal, records: p.records }) + '\n'),
});
await store.close();
process.stdout.write(JSON.stringify({ done: true, ingested: summary.ingested, records: summary.records }) + '\n');
