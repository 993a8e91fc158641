/** True when `If-None-Match` names this tag (RFC 9110 §13.1.2: weak comparison, `*` matches any current value). */
export function ifNoneMatchHolds(header: string, etag: string): boolean {
  if (header.trim() === '*') return true
  return header.split(',').some((candidate) => {
    const tag = candidate.trim()
    return (tag.startsWith('W/') ? tag.slice(2) : tag) === etag
  })
}
