/** LDAP (RFC 4511) messages a Windows client sends a domain controller: rootDSE and directory searches. */
import { bool, enumerated, int, octetStr, seq, set, tlv } from './asn1.js';
import { concat } from './bytes.js';

/** searchRequest for `base` with a filter (already encoded) and the attributes wanted. */
export function ldapSearch(id: number, base: string, scope: 0 | 1 | 2, filter: Uint8Array, attrs: string[]): Uint8Array {
  return seq(int(id), tlv(0x63, octetStr(base), enumerated(scope), enumerated(0), int(0), int(0), bool(false), filter, seq(...attrs.map(octetStr))));
}

/** Filter `(attr=*)`. */
export const present = (attr: string): Uint8Array => tlv(0x87, new TextEncoder().encode(attr));
/** Filter `(attr=value)`. */
export const equals = (attr: string, value: string): Uint8Array => tlv(0xa3, octetStr(attr), octetStr(value));
/** Filter `(&...)`. */
export const and = (...f: Uint8Array[]): Uint8Array => tlv(0xa0, ...f);

/** searchResEntry for `dn` with attributes. */
export function ldapEntry(id: number, dn: string, attrs: [string, string[]][]): Uint8Array {
  return seq(int(id), tlv(0x64, octetStr(dn), seq(...attrs.map(([k, vs]) => seq(octetStr(k), set(...vs.map(octetStr)))))));
}

/** searchResDone (success). */
export function ldapDone(id: number): Uint8Array {
  return seq(int(id), tlv(0x65, enumerated(0), octetStr(''), octetStr('')));
}

/** unbindRequest. */
export function ldapUnbind(id: number): Uint8Array {
  return seq(int(id), Uint8Array.of(0x42, 0));
}

/** Several LDAP messages in one TCP send. */
export function ldapBatch(...msgs: Uint8Array[]): Uint8Array {
  return concat(msgs);
}
