/**
 * Monero-style Stratum (JSON-RPC over TCP, one JSON object per line) as XMRig speaks it:
 * `login` with the wallet and agent, `job` notifications from the pool, `submit` of shares,
 * `keepalived` pings, and the pool's results.
 */
import type { Rng } from '../rng.js';
import { utf8 } from './bytes.js';

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** A plausible Monero primary address (95 base58 characters starting with 4). */
export function moneroWallet(rng: Rng): string {
  return '4' + rng.chars(1, '3456789AB') + rng.chars(93, B58);
}

/** Session state of one miner connection. */
export class StratumSession {
  private id = 1;
  private height: number;
  private jobId = '';
  readonly sessionId: string;
  constructor(private readonly rng: Rng, readonly wallet: string, readonly agent: string, startHeight: number) {
    this.height = startHeight;
    this.sessionId = rng.hex(8) + '-' + rng.hex(4) + '-' + rng.hex(4);
  }

  private job(): string {
    this.jobId = String(this.rng.int(100000000, 999999999));
    const blob = '1010' + this.rng.hex(148);
    return `{"blob":"${blob}","job_id":"${this.jobId}","target":"${this.rng.hex(8)}","algo":"rx/0","height":${this.height},"seed_hash":"${this.rng.hex(64)}"}`;
  }

  /** Miner -> pool: login. */
  login(): Uint8Array {
    return utf8(`{"id":${this.id++},"jsonrpc":"2.0","method":"login","params":{"login":"${this.wallet}","pass":"x","agent":"${this.agent}","rigid":"","algo":["cn/1","cn/2","cn/r","cn/fast","cn/half","cn/xao","cn/rto","cn/rwz","cn/zls","cn/double","rx/0","rx/wow","rx/arq"]}}\n`);
  }

  /** Pool -> miner: login result with the first job. */
  loginResult(): Uint8Array {
    return utf8(`{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"${this.sessionId}","job":${this.job()},"extensions":["algo","nicehash","connect","tls","keepalive"],"status":"OK"}}\n`);
  }

  /** Pool -> miner: a new job (new block when `newBlock`). */
  jobNotify(newBlock: boolean): Uint8Array {
    if (newBlock) this.height++;
    return utf8(`{"jsonrpc":"2.0","method":"job","params":${this.job()}}\n`);
  }

  /** Miner -> pool: a share. Returns the request and the pool's reply. */
  submit(): [Uint8Array, Uint8Array] {
    const id = this.id++;
    return [
      utf8(`{"id":${id},"jsonrpc":"2.0","method":"submit","params":{"id":"${this.sessionId}","job_id":"${this.jobId}","nonce":"${this.rng.hex(8)}","result":"${this.rng.hex(64)}","algo":"rx/0"}}\n`),
      utf8(`{"id":${id},"jsonrpc":"2.0","error":null,"result":{"status":"OK"}}\n`),
    ];
  }

  /** Miner -> pool: keepalive. Returns the request and the pool's reply. */
  keepalive(): [Uint8Array, Uint8Array] {
    const id = this.id++;
    return [
      utf8(`{"id":${id},"jsonrpc":"2.0","method":"keepalived","params":{"id":"${this.sessionId}"}}\n`),
      utf8(`{"id":${id},"jsonrpc":"2.0","error":null,"result":{"status":"KEEPALIVED"}}\n`),
    ];
  }
}
