/** JSON lines to a file: one ECS document per line, appended (the file is created when missing). */
import { open, type FileHandle } from 'node:fs/promises';
import type { AlertDoc } from './ecs.js';
import { AlertSinkError, type AlertSink } from './sink.js';

export class JsonLinesSink implements AlertSink {
  readonly name: string;
  private fh?: Promise<FileHandle>;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  constructor(private readonly path: string) {
    this.name = `jsonl:${path}`;
  }

  send(doc: AlertDoc): Promise<void> {
    if (this.closed) return Promise.reject(new AlertSinkError('ALERT_CLOSED', `Cannot write alert to ${this.path}: sink closed`));
    const line = JSON.stringify(doc) + '\n';
    // Writes are serialised so lines never interleave.
    const p = this.chain.then(async () => {
      this.fh ??= open(this.path, 'a');
      await (await this.fh).appendFile(line);
    });
    this.chain = p.catch(() => undefined);
    return p;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.chain;
    if (this.fh !== undefined) await (await this.fh).close();
  }
}
