/**
 * True when `a` and `b` would be written as the same JSON (up to the order of object
 * keys), found without writing either: a re-registering agent's info is compared with
 * the registry's copy this way, 10,000 times after a failover. Plain data only (what
 * JSON.parse gives and what a decoded message is); anything it does not follow, such as
 * a number JSON writes as null or an object with toJSON, compares unequal, so the caller
 * writes it again rather than keep a stale copy.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return typeof a !== 'number' || Number.isFinite(a);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || !isPlain(a) || !isPlain(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let aKeys = 0;
  for (const key in ao) {
    if (!Object.hasOwn(ao, key) || ao[key] === undefined) continue;
    aKeys++;
    if (!Object.hasOwn(bo, key) || !sameJson(ao[key], bo[key])) return false;
  }
  let bKeys = 0;
  for (const key in bo) {
    if (!Object.hasOwn(bo, key) || bo[key] === undefined) continue;
    // A function (an own toJSON among them) is not data: not followed.
    if (typeof bo[key] === 'function') return false;
    bKeys++;
  }
  return aKeys === bKeys;
}

/** An object literal's or JSON.parse's (not a Date, Buffer or class instance, which JSON may write otherwise). */
function isPlain(o: object): boolean {
  const proto = Object.getPrototypeOf(o) as unknown;
  return proto === Object.prototype || proto === null;
}
