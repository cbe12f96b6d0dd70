/**
 * Text from outside (the target systems, Slack, people typing) can hold lone surrogates: JSON
 * carries them as `\ud800`, but they are not Unicode, and canonical JSON (the audit trail's
 * hashing) refuses them. Each becomes U+FFFD once, where the text comes in, so that a name
 * with one is still recorded, shown and acted on.
 */
export function wellFormed(text: string): string {
  return text.isWellFormed() ? text : text.toWellFormed();
}

/**
 * Every string in parsed JSON (plain objects and arrays, keys included) made well-formed, in
 * place; returns `value`. Other objects (class instances, buffers) are left as they are. Walked
 * with a list rather than recursion, so that deep nesting cannot exhaust the stack.
 */
export function wellFormedDeep<T>(value: T): T {
  if (typeof value === 'string') return wellFormed(value) as T;
  const pending: unknown[] = [value];
  while (pending.length) {
    const node = pending.pop();
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const item: unknown = node[i];
        if (typeof item === 'string') node[i] = wellFormed(item);
        else if (typeof item === 'object' && item !== null) pending.push(item);
      }
    } else if (isPlain(node)) {
      for (const key of Object.keys(node)) {
        const item = node[key];
        const fixedKey = wellFormed(key);
        if (fixedKey !== key) {
          delete node[key];
          node[fixedKey] = item;
        }
        if (typeof item === 'string') node[fixedKey] = wellFormed(item);
        else if (typeof item === 'object' && item !== null) pending.push(item);
      }
    }
  }
  return value;
}

function isPlain(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
