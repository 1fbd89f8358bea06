/**
 * A minimal `AppContext` for tests (of this analyzer and others): collects emitted records and
 * weirds in arrays, no flow layer needed.
 */
import type { FlowId, RecordKind, RecordMap, Transport } from '../../../records/schema.js';
import type { AppContext, StreamAnalyzer } from '../types.js';

/** An `AppContext` that records what the analyzer emits. */
export class FakeContext implements AppContext {
  /** Records emitted, in order. */
  readonly records: { kind: RecordKind; rec: RecordMap[RecordKind] }[] = [];
  /** Weirds reported, in order. */
  readonly weirds: { name: string; addl?: string }[] = [];

  constructor(
    readonly proto: Transport = 'udp',
    readonly id: FlowId = { orig_h: '10.0.0.1', orig_p: 40000, resp_h: '10.0.0.53', resp_p: 53 },
    readonly uid = 'Ctest',
  ) {}

  /** Keeps the record. */
  emit<K extends RecordKind>(kind: K, rec: RecordMap[K]): void {
    this.records.push({ kind, rec });
  }

  /** Keeps the weird. */
  weird(name: string, addl?: string): void {
    this.weirds.push({ name, addl });
  }

  /** Emitted records of one kind. */
  of<K extends RecordKind>(kind: K): RecordMap[K][] {
    return this.records.filter((r) => r.kind === kind).map((r) => r.rec as RecordMap[K]);
  }

  /** Names of the weirds reported. */
  weirdNames(): string[] {
    return this.weirds.map((w) => w.name);
  }

  /** Times `handOver` was called. */
  handOvers = 0;

  /** Counts the hand-over; the returned analyzer drops what it is given. */
  handOver(): StreamAnalyzer {
    this.handOvers++;
    return { done: true, data() {}, gap() {}, end() {} };
  }
}
