/** The contract every alert sink implements. */
import type { AlertDoc } from './ecs.js';

export interface AlertSink {
  /** For messages: `jsonl:/var/log/c2hunt.jsonl`, `syslog+tcp://10.0.0.5:514`, `https://hooks.example/...` (no secrets). */
  readonly name: string;
  /** Deliver one alert; resolves when delivered (or handed to the OS), rejects with AlertSinkError when it could not be. */
  send(doc: AlertDoc): Promise<void>;
  /** Flush and release sockets and files. */
  close(): Promise<void>;
}

/** An alert could not be delivered; `code` is stable. */
export class AlertSinkError extends Error {
  constructor(readonly code: 'ALERT_TIMEOUT' | 'ALERT_HTTP_STATUS' | 'ALERT_NETWORK' | 'ALERT_TOO_LARGE' | 'ALERT_CLOSED' | 'ALERT_BAD_SPEC', message: string) {
    super(message);
    this.name = 'AlertSinkError';
  }
}
