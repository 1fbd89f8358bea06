/**
 * The link-layer header types (tcpdump.org LINKTYPE_* values, as stored in pcap and pcapng files)
 * that c2hunt's capture readers hand to the packet decoder, with their names.
 *
 * The readers pass any link type through unchanged; this table only names the ones the decoder
 * understands, for summaries and error messages.
 */

/** BSD loopback: 4-byte address family in the host byte order of the capturing machine. */
export const LINKTYPE_NULL = 0;
/** Ethernet (IEEE 802.3), including VLAN tags inside the frame. */
export const LINKTYPE_ETHERNET = 1;
/** Raw IP: the packet starts with an IPv4 or IPv6 header. */
export const LINKTYPE_RAW = 101;
/** OpenBSD loopback: 4-byte address family in network byte order. */
export const LINKTYPE_LOOP = 108;
/** Linux "cooked" capture v1 (`tcpdump -i any`): 16-byte pseudo header. */
export const LINKTYPE_LINUX_SLL = 113;
/** Raw IPv4 only. */
export const LINKTYPE_IPV4 = 228;
/** Raw IPv6 only. */
export const LINKTYPE_IPV6 = 229;
/** Linux "cooked" capture v2: 20-byte pseudo header with the interface index. */
export const LINKTYPE_LINUX_SLL2 = 276;

/** One row of {@link LINKTYPES}. */
export interface LinkTypeInfo {
  /** The LINKTYPE_* value. */
  readonly value: number;
  /** Short upper-case name, as in tcpdump.org's list without the `LINKTYPE_` prefix. */
  readonly name: string;
  /** One-line human description. */
  readonly description: string;
}

/** The link types c2hunt decodes, by value. */
export const LINKTYPES: ReadonlyMap<number, LinkTypeInfo> = new Map(
  ([
    [LINKTYPE_NULL, 'NULL', 'BSD loopback'],
    [LINKTYPE_ETHERNET, 'ETHERNET', 'Ethernet'],
    [LINKTYPE_RAW, 'RAW', 'raw IPv4/IPv6'],
    [LINKTYPE_LOOP, 'LOOP', 'OpenBSD loopback'],
    [LINKTYPE_LINUX_SLL, 'LINUX_SLL', 'Linux cooked capture v1'],
    [LINKTYPE_IPV4, 'IPV4', 'raw IPv4'],
    [LINKTYPE_IPV6, 'IPV6', 'raw IPv6'],
    [LINKTYPE_LINUX_SLL2, 'LINUX_SLL2', 'Linux cooked capture v2'],
  ] as const).map(([value, name, description]) => [value, Object.freeze({ value, name, description })]),
);

/** The name of a link type (`ETHERNET`), or `LINKTYPE_<n>` for one c2hunt does not decode. */
export function linktypeName(value: number): string {
  return LINKTYPES.get(value)?.name ?? `LINKTYPE_${value}`;
}
