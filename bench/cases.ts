import type { Runtime } from './processes.ts'
import type { LoadOptions } from './wrk.ts'

/** The server processes each runtime gets: bare yardsticks and the proxy as users start it. */
export type ServerId = 'webdis' | 'webdis-zero-delay' | 'webdis-remote' | 'proxy-memory-remote' | 'ceiling' | 'ioredis' | 'memjs' | 'proxy-memory' | 'proxy-memory-token' | 'proxy-memory-logged' | 'proxy-memcached' | 'proxy-none'

export interface ServerSpec {
  id: ServerId
  entry: string
  /** Environment on top of the addresses of the bench's own Redis and Memcached. */
  env: Record<string, string>
  /** The proxy fills its local tier on first read: GET every key under these paths once before measuring. */
  primePaths?: string[]
  /** Webdis (C), started once, not per runtime. */
  webdis?: boolean
  /** Redis reached through bench/relay/delay-relay.c: ~0.5 ms each way (`delay`) or 0 (`zero-delay`). */
  redisVia?: 'delay' | 'zero-delay'
  /** Headers the priming GETs send. */
  primeHeaders?: string[]
}

const quiet = { LOG_LEVEL: 'warn' }

/** The API_TOKEN of the token case, and the header its load sends. */
const BENCH_TOKEN = 'bench-token-0123456789abcdef'
const AUTHORIZATION = `Authorization: Bearer ${BENCH_TOKEN}`

/**
 * Keys the write workloads use, apart from the read-only `bench:` ones and per runtime: a write
 * makes Redis invalidate the key in every proxy (tracking), which would turn other cases' local
 * hits into Redis reads. `{runtime}` is replaced by `bun` or `node`.
 */
export const WRITTEN = 'bench-rw-{runtime}:'
/** The same for the Redis-1-ms-away case, whose proxy must not see the other cases' writes. */
export const WRITTEN_REMOTE = 'bench-remote-{runtime}:'
/** The read-only and the written keys both fit in the memory tier (LOCAL_CAPACITY is 10,000 by default). */
const ROOM = '50000'

export const forRuntime = (text: string, runtime: Runtime) => text.replaceAll('{runtime}', runtime)

export const SERVERS: ServerSpec[] = [
  { id: 'webdis', entry: 'webdis', env: {}, webdis: true },
  { id: 'webdis-zero-delay', entry: 'webdis', env: {}, webdis: true, redisVia: 'zero-delay' },
  { id: 'webdis-remote', entry: 'webdis', env: {}, webdis: true, redisVia: 'delay' },
  { id: 'proxy-memory-remote', entry: 'src/main.ts', env: { ...quiet, LOCAL_CACHE: 'memory', LOCAL_CAPACITY: ROOM }, redisVia: 'delay', primePaths: [`/v1/keys/${WRITTEN_REMOTE}`] },
  { id: 'ceiling', entry: 'bench/bare-server.ts', env: { BARE_KIND: 'ceiling' } },
  { id: 'ioredis', entry: 'bench/bare-server.ts', env: { BARE_KIND: 'ioredis' } },
  { id: 'memjs', entry: 'bench/bare-server.ts', env: { BARE_KIND: 'memjs' } },
  { id: 'proxy-memory', entry: 'src/main.ts', env: { ...quiet, LOCAL_CACHE: 'memory', LOCAL_CAPACITY: ROOM }, primePaths: ['/v1/keys/bench:', `/v1/keys/${WRITTEN}`] },
  { id: 'proxy-memory-token', entry: 'src/main.ts', env: { ...quiet, LOCAL_CACHE: 'memory', API_TOKEN: BENCH_TOKEN }, primePaths: ['/v1/keys/bench:'], primeHeaders: [AUTHORIZATION] },
  { id: 'proxy-memory-logged', entry: 'src/main.ts', env: { LOG_LEVEL: 'info', LOCAL_CACHE: 'memory', LOCAL_CAPACITY: ROOM }, primePaths: ['/v1/keys/bench:'] },
  { id: 'proxy-memcached', entry: 'src/main.ts', env: { ...quiet, LOCAL_CACHE: 'memcached' }, primePaths: ['/v1/keys/bench:'] },
  { id: 'proxy-none', entry: 'src/main.ts', env: { ...quiet, LOCAL_CACHE: 'none' } },
]

/** One measured workload; `check` is one sample request whose answer proves the case measures what it says. */
export interface CaseSpec {
  id: string
  label: string
  server: ServerId
  script: LoadOptions['script']
  args: (keys: number, runtime: Runtime) => string[]
  /** `Name: value` headers the load sends on each GET. */
  headers?: string[]
  /** The bare case this one is compared with, besides the ceiling. */
  rawBaseline?: ServerId
  /** `{runtime}` in the path is replaced as in WRITTEN. */
  check: { method: 'GET' | 'PUT'; path: string; body?: string; status: number; contains: string; headers?: string[] }
}

const SAMPLE_VALUE = JSON.stringify({ value: 'w'.repeat(100) })

export const CASES: CaseSpec[] = [
  { id: 'webdis', label: 'Webdis GET → Redis (C peer)', server: 'webdis', script: 'get.lua', args: (n) => ['/GET/bench:', String(n)], check: { method: 'GET', path: '/GET/bench:1', status: 200, contains: '"GET":"vvv' } },
  { id: 'webdis-zero-delay', label: 'Webdis GET → zero-delay relay → Redis', server: 'webdis-zero-delay', script: 'get.lua', args: (n) => ['/GET/bench:', String(n)], check: { method: 'GET', path: '/GET/bench:1', status: 200, contains: '"GET":"vvv' } },
  { id: 'remote-webdis', label: 'Redis 1 ms away: Webdis GET', server: 'webdis-remote', script: 'get.lua', args: (n) => ['/GET/bench:', String(n)], check: { method: 'GET', path: '/GET/bench:1', status: 200, contains: '"GET":"vvv' } },
  { id: 'remote-mixed', label: 'Redis 1 ms away: proxy 90% GET local hits / 10% PUT', server: 'proxy-memory-remote', script: 'mixed.lua', args: (n, runtime) => [String(n), '10', forRuntime(WRITTEN_REMOTE, runtime)], check: { method: 'GET', path: `/v1/keys/${WRITTEN_REMOTE}2`, status: 200, contains: '"source":"local"' } },
  { id: 'ceiling', label: 'bare Hono, small JSON', server: 'ceiling', script: 'get.lua', args: (n) => ['/?key=bench:', String(n)], check: { method: 'GET', path: '/?key=bench:1', status: 200, contains: '"status":"ok"' } },
  { id: 'raw-ioredis', label: 'bare Hono + ioredis GET', server: 'ioredis', script: 'get.lua', args: (n) => ['/?key=bench:', String(n)], check: { method: 'GET', path: '/?key=bench:1', status: 200, contains: '"key":"bench:1"' } },
  { id: 'raw-memjs', label: 'bare Hono + memjs get', server: 'memjs', script: 'get.lua', args: (n) => ['/?key=bench:', String(n)], check: { method: 'GET', path: '/?key=bench:1', status: 200, contains: '"key":"bench:1"' } },
  { id: 'local-memory', label: 'proxy GET /?key= local hit (memory)', server: 'proxy-memory', script: 'get.lua', args: (n) => ['/?key=bench:', String(n)], check: { method: 'GET', path: '/?key=bench:1', status: 200, contains: '"message":"<br><b>Key found in local cache</b>"' } },
  { id: 'local-memory-v1', label: 'proxy GET /v1/keys local hit (memory)', server: 'proxy-memory', script: 'get.lua', args: (n) => ['/v1/keys/bench:', String(n)], check: { method: 'GET', path: '/v1/keys/bench:1', status: 200, contains: '"source":"local"' } },
  { id: 'local-memory-token', label: 'proxy GET /v1/keys local hit (memory), API_TOKEN set', server: 'proxy-memory-token', script: 'get.lua', args: (n) => ['/v1/keys/bench:', String(n)], headers: [AUTHORIZATION], check: { method: 'GET', path: '/v1/keys/bench:1', status: 200, contains: '"source":"local"', headers: [AUTHORIZATION] } },
  { id: 'local-memory-logged', label: 'proxy local hit (memory), LOG_LEVEL=info', server: 'proxy-memory-logged', script: 'get.lua', args: (n) => ['/?key=bench:', String(n)], check: { method: 'GET', path: '/?key=bench:1', status: 200, contains: '"message":"<br><b>Key found in local cache</b>"' } },
  { id: 'local-memcached', label: 'proxy local hit (memcached)', server: 'proxy-memcached', script: 'get.lua', args: (n) => ['/?key=bench:', String(n)], rawBaseline: 'memjs', check: { method: 'GET', path: '/?key=bench:1', status: 200, contains: '"message":"<br><b>Key found in local cache</b>"' } },
  { id: 'redis-path', label: 'proxy GET via Redis (LOCAL_CACHE=none)', server: 'proxy-none', script: 'get.lua', args: (n) => ['/?key=bench:', String(n)], rawBaseline: 'ioredis', check: { method: 'GET', path: '/?key=bench:1', status: 200, contains: '"message":"<br><b>Key found in redis cache</b>"' } },
  { id: 'put', label: 'proxy PUT /v1/keys (memory)', server: 'proxy-memory', script: 'mixed.lua', args: (n, runtime) => [String(n), '100', forRuntime(WRITTEN, runtime)], check: { method: 'PUT', path: `/v1/keys/${WRITTEN}1`, body: SAMPLE_VALUE, status: 200, contains: '"created":false' } },
  { id: 'mixed', label: 'proxy 90% GET / 10% PUT (memory)', server: 'proxy-memory', script: 'mixed.lua', args: (n, runtime) => [String(n), '10', forRuntime(WRITTEN, runtime)], check: { method: 'GET', path: `/v1/keys/${WRITTEN}2`, status: 200, contains: '"source":"local"' } },
]
