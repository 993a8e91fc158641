import { hash } from 'node:crypto'
import type { Value } from './value.ts'

/** Length of every tag `entityTag` makes, quotes included: the memory tier stores tags beside values by it. */
export const ENTITY_TAG_LENGTH = 18

/**
 * A strong HTTP entity tag of the value's bytes: the same bytes give the same tag on every instance
 * and runtime. SHA-1 cut to 96 bits (16 base64url characters): ample against accidental collisions,
 * and a writer able to forge one could write the value itself.
 */
export function entityTag(value: Value): string {
  return `"${hash('sha1', value, 'buffer').toString('base64url', 0, 12)}"`
}

/** A value with its entity tag, as the local tier's synchronous read answers it. */
export interface TaggedValue {
  readonly value: Value
  readonly etag: string
}

/**
 * A value whose tag is computed the first time it is asked for, then kept: a local hit answered by a
 * route that shows no ETag (the seed's `/?key=`) never hashes.
 */
export class LazilyTaggedValue implements TaggedValue {
  private tag: string | undefined

  constructor(readonly value: Value) {}

  get etag(): string {
    return (this.tag ??= entityTag(this.value))
  }
}
