/** A server's fetch handler: the request, then whatever the runtime passes (Bun's server, Node's bindings). */
export type Fetch = (request: Request, ...rest: never[]) => Response | Promise<Response>
