/**
 * Test support: `node ingest-child.js DB FILE...` ingests files into a store and prints one JSON
 * line per progress report (`{"records":N,"phase":"read"}`) and a last line with the summary;
 * the crash-safety test kills it with SIGKILL in the middle.
 */
import { openStore, ingestPaths } from '../index.js';

const [db, ...files] = process.argv.slice(2);
const store = await openStore(db!);
let last = 0;
const summary = await ingestPaths(store, files, {
  onProgress: (p) => {
    if (p.records - last >= 2048 || (p.phase === 'read' && last === 0 && p.records > 0)) {
      last = p.records;
      process.stdout.write(JSON.stringify({ records: p.records, phase: p.phase }) + '\n');
    }
  },
});
await store.close();
process.stdout.write(JSON.stringify({ done: true, ingested: summary.ingested, records: summary.records }) + '\n');
