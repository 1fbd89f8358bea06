/**
 * Internal enterprise services: Kerberos and LDAP to the domain controller, SMB sessions to the
 * file server (and to the DC's SYSVOL), NTP from the DC. Round trips are LAN-short.
 */
import type { SimContext } from './context.js';
import { AD_DOMAIN, REALM, type Host, type Server } from './network.js';
import { asRep, asReq, krbTcp, makeTicket, tgsRep, tgsReq } from './payload/kerberos.js';
import { and, equals, ldapDone, ldapEntry, ldapSearch, ldapUnbind, present } from './payload/ldap.js';
import { Smb2Session, smb2NegotiateReq, smb2NegotiateResp, smb2SessionSetupReq, smb2SessionSetupResp } from './payload/smb.js';
import { ntpReply, ntpRequest } from './payload/ntp.js';
import { concat } from './payload/bytes.js';
import type { Rng } from './rng.js';
import { TcpFlow, type TcpStep } from './tcp-flow.js';
import { UdpFlow } from './udp-flow.js';

/** LAN round trip to an internal server, µs (range). */
const LAN_RTT_US: [number, number] = [250, 900];
/** Lifetime of a Kerberos ticket, µs (Windows default: 10 hours). */
const KERBEROS_TICKET_US = 10 * 3600e6;
/** LAN transfer rate, Mbit/s. */
const LAN_MBPS = 400;

/** Bytes per SMB2 READ/WRITE request. */
const SMB_IO_BYTES = 65536;

const FOLDERS = ['Projects', 'Finance', 'HR', 'Sales', 'Templates', 'Reports', 'Shared', 'IT'];
const STEMS = ['budget', 'report', 'minutes', 'plan', 'invoice', 'contract', 'notes', 'roadmap', 'inventory', 'forecast'];
const EXTS = ['docx', 'xlsx', 'pdf', 'pptx', 'txt', 'csv'];

/** A plausible path inside a share (GPO files on SYSVOL). */
function fileName(rng: Rng, share: string): string {
  if (share === 'SYSVOL') return `${AD_DOMAIN}\\Policies\\{31B2F340-016D-11D2-945F-00C04FB984F9}\\${rng.pick(['GPT.INI', 'Machine\\Registry.pol', 'User\\Registry.pol', 'Machine\\Microsoft\\Windows NT\\SecEdit\\GptTmpl.inf'])}`;
  return `${rng.pick(FOLDERS)}\\${rng.pick(STEMS)}-${rng.int(1, 999)}.${rng.pick(EXTS)}`;
}

function lanRtt(rng: Rng): number {
  return rng.int(LAN_RTT_US[0], LAN_RTT_US[1]);
}

/** Builders for traffic between a host and the internal servers. */
export class Enterprise {
  private readonly serverGuid: Map<string, Uint8Array> = new Map();
  /** Tickets each host holds: "host|service" -> ticket and expiry (µs). */
  private readonly tickets = new Map<string, { tkt: Uint8Array; exp: number }>();
  constructor(private readonly ctx: SimContext) {}

  /** A fresh ticket for `sname` (the KDC issued a new one), cached for later use. */
  private renew(h: Host, sname: string[], t: number, rng: Rng): Uint8Array {
    this.tickets.delete(`${h.index}|${sname.join('/')}`);
    return this.ticket(h, sname, t, rng);
  }

  /** The host's ticket for `sname`, reused until it expires (KERBEROS_TICKET_US). */
  private ticket(h: Host, sname: string[], t: number, rng: Rng): Uint8Array {
    const key = `${h.index}|${sname.join('/')}`;
    const c = this.tickets.get(key);
    if (c && c.exp > t) return c.tkt;
    const tkt = makeTicket(rng, this.ctx.pool, REALM, sname);
    this.tickets.set(key, { tkt, exp: t + KERBEROS_TICKET_US });
    return tkt;
  }

  private tcp(h: Host, srv: Server, port: number, start: number, steps: TcpStep[], rng: Rng, closeDelay: number): TcpFlow {
    const f = new TcpFlow({ client: h.side, server: srv.side, sport: this.ctx.net.port(h), dport: port, start, rtt: lanRtt(rng), steps,
      close: 'fin_c', closeDelay, rateMbps: LAN_MBPS, rng });
    this.ctx.add(f);
    return f;
  }

  /** Kerberos logon: AS exchange (TGT) over TCP 88. */
  asExchange(h: Host, t: number, rng: Rng): void {
    const pool = this.ctx.pool;
    this.tcp(h, this.ctx.net.dc, 88, t, [
      { from: 0, data: [krbTcp(asReq(rng, pool, REALM, h.user, t / 1e6))], think: 0 },
      { from: 1, data: [krbTcp(asRep(rng, pool, REALM, h.user, this.renew(h, ['krbtgt', REALM], t, rng)))], think: rng.int(500, 3000) },
    ], rng, rng.int(100, 2000));
  }

  /** A service ticket request (TGS exchange) for `sname`. */
  tgsExchange(h: Host, t: number, sname: string[], rng: Rng): void {
    const pool = this.ctx.pool;
    this.tcp(h, this.ctx.net.dc, 88, t, [
      { from: 0, data: [krbTcp(tgsReq(rng, pool, REALM, sname, t / 1e6, this.ticket(h, ['krbtgt', REALM], t, rng)))], think: 0 },
      { from: 1, data: [krbTcp(tgsRep(rng, pool, REALM, h.user, sname, this.renew(h, sname, t, rng)))], think: rng.int(500, 3000) },
    ], rng, rng.int(100, 2000));
  }

  /** LDAP: rootDSE, then the computer's and the user's objects, then unbind. */
  ldapQueries(h: Host, t: number, rng: Rng): void {
    const base = AD_DOMAIN.split('.').map((p) => `DC=${p}`).join(',');
    const steps: TcpStep[] = [
      { from: 0, data: [ldapSearch(1, '', 0, present('objectClass'), ['defaultNamingContext', 'dnsHostName', 'supportedSASLMechanisms', 'currentTime'])], think: 0 },
      { from: 1, data: [concat([ldapEntry(1, '', [['defaultNamingContext', [base]], ['dnsHostName', [this.ctx.net.dc.fqdn]],
        ['supportedSASLMechanisms', ['GSSAPI', 'GSS-SPNEGO', 'EXTERNAL', 'DIGEST-MD5']], ['currentTime', ['20261102080000.0Z']]]), ldapDone(1)])], think: rng.int(300, 1500) },
      { from: 0, data: [ldapSearch(2, base, 2, and(equals('objectCategory', 'computer'), equals('sAMAccountName', `${h.name.toUpperCase()}$`)),
        ['distinguishedName', 'gPLink', 'gPOptions'])], think: rng.int(200, 3000) },
      { from: 1, data: [concat([ldapEntry(2, `CN=${h.name.toUpperCase()},OU=Workstations,${base}`, [['distinguishedName', [`CN=${h.name.toUpperCase()},OU=Workstations,${base}`]],
        ['gPLink', [`[LDAP://cn={31B2F340-016D-11D2-945F-00C04FB984F9},cn=policies,cn=system,${base};0]`]]]), ldapDone(2)])], think: rng.int(500, 3000) },
      { from: 0, data: [ldapSearch(3, base, 2, and(equals('objectCategory', 'person'), equals('sAMAccountName', h.user)), ['distinguishedName', 'memberOf'])], think: rng.int(200, 3000) },
      { from: 1, data: [concat([ldapEntry(3, `CN=${h.user},OU=Staff,${base}`, [['distinguishedName', [`CN=${h.user},OU=Staff,${base}`]],
        ['memberOf', [`CN=Staff,OU=Groups,${base}`, `CN=VPN Users,OU=Groups,${base}`]]]), ldapDone(3)])], think: rng.int(500, 3000) },
      { from: 0, data: [ldapUnbind(4)], think: rng.int(100, 1000) },
    ];
    this.tcp(h, this.ctx.net.dc, 389, t, steps, rng, 0);
  }

  /**
   * An SMB session: negotiate, Kerberos session setup, tree connect to `share`, then `ops` file
   * operations (open, reads or writes of `fileBytes()` in SMB_IO_BYTES chunks, close) with think
   * times between them, then idle for `idleUs` and close.
   */
  smbSession(h: Host, srv: Server, t: number, rng: Rng, share: string, ops: number, fileBytes: () => number, idleUs: number): void {
    const pool = this.ctx.pool;
    let guid = this.serverGuid.get(srv.ipStr);
    if (!guid) {
      guid = rng.bytes(16);
      this.serverGuid.set(srv.ipStr, guid);
    }
    const sid = rng.bytes(8);
    const smb = new Smb2Session(rng, pool, sid);
    const steps: TcpStep[] = [
      { from: 0, data: [smb2NegotiateReq(rng, pool)], think: 0 },
      { from: 1, data: [smb2NegotiateResp(rng, pool, guid, t)], think: rng.int(100, 600) },
      { from: 0, data: [smb2SessionSetupReq(rng, pool, REALM, srv.fqdn, this.ticket(h, ['cifs', srv.fqdn], t, rng))], think: rng.int(200, 2000) },
      { from: 1, data: [smb2SessionSetupResp(rng, pool, sid)], think: rng.int(500, 4000) },
    ];
    const pair = (req: Uint8Array[], resp: Uint8Array[], think: number): void => {
      steps.push({ from: 0, data: req, think });
      steps.push({ from: 1, data: resp, think: rng.int(150, 3000) });
    };
    const [tq, tr] = smb.treeConnect(srv.fqdn, share);
    pair([tq], [tr], rng.int(200, 3000));
    for (let i = 0; i < ops; i++) {
      const write = rng.chance(0.25);
      const size = fileBytes();
      const gap = rng.chance(0.8) ? rng.int(1000, 200_000) : rng.int(2_000_000, 120_000_000);
      const [cq, cr, fid] = smb.create(fileName(rng, share), write, t, size);
      pair([cq], [cr], gap);
      for (let off = 0; off < size; off += SMB_IO_BYTES) {
        const n = Math.min(SMB_IO_BYTES, size - off);
        if (write) {
          const [wq, wr] = smb.write(fid, off, n);
          pair(wq, [wr], rng.int(100, 2000));
        } else {
          const [rq, rr] = smb.read(fid, off, n);
          pair([rq], rr, rng.int(100, 2000));
        }
      }
      const [xq, xr] = smb.close(fid);
      pair([xq], [xr], rng.int(200, 20000));
    }
    this.tcp(h, srv, 445, t, steps, rng, idleUs);
  }

  /** Windows time sync with the DC (UDP 123 both ends). */
  ntpToDc(h: Host, t: number, rng: Rng): void {
    const dc = this.ctx.net.dc;
    const back = t + lanRtt(rng) + rng.int(50, 400);
    this.ctx.add(new UdpFlow(h.side, dc.side, 123, 123, [
      { ts: t, dir: 0, data: ntpRequest(t, 10) },
      { ts: back, dir: 1, data: ntpReply(t, back, 3, '10.1.0.1', 10) },
    ]));
  }
}
