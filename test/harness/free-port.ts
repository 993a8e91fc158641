/** The tests find free ports as the private Redis does. */
export { freePort } from '../../src/server/free-port.ts'
