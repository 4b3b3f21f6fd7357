/**
 * Tandem store keys as NATS KV keys, reversibly.
 *
 * A NATS KV key is a subject: tokens of `[-/_=a-zA-Z0-9]` separated by `.`, no empty
 * token. A Tandem key is any non-empty string with `/`-separated prefixes, so each `/`
 * becomes the token separator `.` (a prefix ending in `/` is then a run of whole tokens,
 * which the server can filter with `>`), and inside a segment every UTF-8 byte outside
 * `[-_a-zA-Z0-9]` (`.`, `:`, space, `=`, `/`-free by construction, …) is written `=XX`
 * (two upper-case hex digits). An empty segment (`a//b`, a leading or trailing `/`) is the
 * token `=`, which no escape produces. Decoding is the exact inverse.
 *
 * Byte order is not kept (`=` sorts differently from what it stands for), so `list`
 * sorts after decoding.
 */

const PLAIN = /^[-_a-zA-Z0-9]$/;
const HEX = '0123456789ABCDEF';

export function encodeKey(key: string): string {
  if (key === '') throw new Error('store key must not be empty');
  return key.split('/').map(encodeSegment).join('.');
}

export function decodeKey(encoded: string): string {
  return encoded.split('.').map(decodeSegment).join('/');
}

function encodeSegment(segment: string): string {
  if (segment === '') return '=';
  let out = '';
  for (const ch of segment) {
    if (PLAIN.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, 'utf8')) out += `=${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

function decodeSegment(token: string): string {
  if (token === '=') return '';
  if (!/^(?:[-_a-zA-Z0-9]|=[0-9A-F]{2})+$/.test(token)) throw new Error(`not an encoded store key segment: ${JSON.stringify(token)}`);
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === '=') {
      bytes.push(Number.parseInt(token.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(token.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * The subject filter that selects every key starting with `prefix`, as narrow as the
 * server can filter: the whole segments of the prefix followed by `>` (everything,
 * `>`, when the prefix has no complete segment). The caller still filters by the
 * decoded key, because the last, partial segment cannot be filtered by the server.
 */
export function prefixFilter(prefix: string): string {
  const cut = prefix.lastIndexOf('/');
  if (cut < 0) return '>';
  return `${prefix.slice(0, cut).split('/').map(encodeSegment).join('.')}.>`;
}
