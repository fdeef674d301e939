// Where a signature came from, kept only as a keyed hash: HMAC-SHA256 of the
// client's IP under a key derived from the app secret. Organisers can find the
// signatures of an address they type (a wave of bot signatures from one host)
// without the database holding anyone's address; without the key, nobody can
// recover an IPv4 address by hashing all four billion. An IPv6 address is
// reduced to its /64 first: a household or a phone's network hands out many
// addresses within one /64, and they are one source.
import { createHmac } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/** The HMAC key for IP hashes: derived once from the app secret (at router creation), never per request. */
export function deriveIpKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('placard:signature-ip:v1').digest();
}

/** The eight 16-bit groups of an IPv6 address (node:net has said it is one), or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  // An embedded IPv4 tail ("::ffff:192.0.2.1") becomes its two groups.
  const text = address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string, c: string, d: string) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`);
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 0) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...rest];
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

/**
 * The form of an address that is hashed: an IPv4 address as is; an IPv4
 * address mapped into IPv6 ("::ffff:192.0.2.1", as a dual-stack socket reports
 * it) as that IPv4 address; any other IPv6 address as its /64 ("2001:db8:1:2::/64").
 * Undefined for anything that is not an IP address.
 */
export function normaliseIp(raw: string): string | undefined {
  const address = raw.trim().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIPv4(address)) return address.split('.').map(Number).join('.');
  if (!isIPv6(address)) return undefined;
  const groups = ipv6Groups(address);
  if (!groups) return undefined;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/** The stored hash of a client IP; undefined when there is none or it is not an address. */
export function hashIp(key: Buffer, ip: string | undefined): Buffer | undefined {
  if (!ip) return undefined;
  const normalised = normaliseIp(ip);
  return normalised === undefined ? undefined : createHmac('sha256', key).update(normalised).digest();
}
