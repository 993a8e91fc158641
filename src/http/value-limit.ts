import { ApiError } from './api-error.ts'

/** Refuses a value over the configured size with the contract's 413. */
export function checkValueSize(value: string, maxValueBytes: number): void {
  // A UTF-16 length over the limit can still fit in fewer bytes only when it is under it; test cheaply first.
  if (value.length * 3 <= maxValueBytes) return
  if (Buffer.byteLength(value, 'utf8') > maxValueBytes) {
    throw new ApiError(413, 'value_too_large', `The value is larger than the ${maxValueBytes} bytes allowed.`)
  }
}
