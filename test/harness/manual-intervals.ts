import { spyOn } from 'bun:test'

/**
 * Replaces the global setInterval and clearInterval until `mockRestore`: intervals set meanwhile fire
 * only when the test calls `tick`, so code on a real timer runs in the order the test chooses.
 */
export function manualIntervals() {
  const running = new Set<{ tick: () => void; unref: () => void }>()
  const set = spyOn(globalThis, 'setInterval').mockImplementation(((tick: () => void) => {
    const handle = { tick, unref: () => {} }
    running.add(handle)
    return handle
  }) as unknown as typeof setInterval)
  const clear = spyOn(globalThis, 'clearInterval').mockImplementation(((handle: { tick: () => void; unref: () => void }) => {
    running.delete(handle)
  }) as unknown as typeof clearInterval)
  return {
    /** Fires every running interval once. */
    tick(): void {
      for (const handle of [...running]) handle.tick()
    },
    get running(): number {
      return running.size
    },
    mockRestore(): void {
      set.mockRestore()
      clear.mockRestore()
    },
  }
}
