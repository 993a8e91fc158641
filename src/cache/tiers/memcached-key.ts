import { createHash } from 'node:crypto'

/** Memcached refuses keys over 250 bytes and keys with whitespace or control characters. */
const MEMCACHED_SAFE = /^[\x21-\x7e]{1,200}$/

/**
 * Maps any valid proxy key to a key Memcached accepts. Plain printable keys keep their
 * name (readable with memcached tools); others become `#` plus a SHA-256, and a plain key
 * starting with `#` is hashed too, so the two forms can never collide.
 */
export function memcachedKeyFor(key: string, prefix: string): string {
  if (MEMCACHED_SAFE.test(key) && key[0] !== '#') return prefix + key
  return `${prefix}#${createHash('sha256').update(key, 'utf8').digest('base64url')}`
}
