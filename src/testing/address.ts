/**
 * Addresses of the {@link VirtualNetwork} (and of the directions of the UDP
 * proxy's random streams): an address literal and a port.
 *
 * @module
 */

/** The largest UDP port. */
export const MAX_PORT = 65_535;

/**
 * A UDP-style address: where a node is attached, and where datagrams go.
 *
 * @example
 * ```ts
 * import { formatAddress, type NetAddress } from 'puredtls/testing';
 *
 * const server: NetAddress = { address: '10.0.0.1', port: 4433 };
 * const client: NetAddress = { address: 'fd00::2', port: 5684 };
 * formatAddress(client); // '[fd00::2]:5684'
 * ```
 */
export interface NetAddress {
  /** An IPv4 or IPv6 literal (any string; it is only compared). */
  address: string;
  /** The port, 0 to 65535. */
  port: number;
}

/**
 * `address:port`, or `[address]:port` for IPv6 literals.
 *
 * @example
 * ```ts
 * import { formatAddress } from 'puredtls/testing';
 *
 * formatAddress({ address: '10.0.0.1', port: 4433 }); // '10.0.0.1:4433'
 * formatAddress({ address: 'fd00::1', port: 4433 });  // '[fd00::1]:4433'
 * ```
 */
export function formatAddress(a: NetAddress): string {
  return a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/** Throws a TypeError (prefixed with `what`) unless `a` is a {@link NetAddress}. */
export function checkAddress(a: NetAddress, what: string): void {
  if (
    a === null ||
    typeof a !== 'object' ||
    typeof a.address !== 'string' ||
    !Number.isInteger(a.port) ||
    a.port < 0 ||
    a.port > MAX_PORT
  ) {
    throw new TypeError(`${what}: invalid address ${JSON.stringify(a)}`);
  }
}
