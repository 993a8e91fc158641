import { byteLengthOf, type Value } from '../cache/value.ts'
import { ApiError } from './api-error.ts'

/** Refuses a value over the configured size (in bytes) with the contract's 413. */
export function checkValueSize(value: Value, maxValueBytes: number): void {
  // A UTF-16 length over the limit can still fit in fewer bytes only when it is under it; test cheaply first.
  if (typeof value === 'string' && value.length * 3 <= maxValueBytes) return
  if (byteLengthOf(value) > maxValueBytes) {
    throw new ApiError(413, 'value_too_large', `The value is larger than the ${maxValueBytes} bytes allowed.`)
  }
}
