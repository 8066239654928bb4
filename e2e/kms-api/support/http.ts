import http from "node:http";

/** One shared keep-alive agent with no socket cap, so hundreds of requests really are in flight at once. */
const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/**
 * A plain node:http request. fetch() would not let us set Host (the signature covers it) or send
 * bodies that lie about their content, so the tests speak HTTP through this.
 */
export function httpRequest(
  url: string,
  options: {
    method: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    timeoutMs?: number;
    /** Sent as the request target exactly as given (no URL normalisation), for generated paths. */
    rawPath?: string;
  },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    // An explicit Content-Length: Node sends GET/DELETE bodies with neither it nor chunked encoding,
    // which would make the body bytes the start of the next request on a keep-alive socket.
    const headers =
      options.body === undefined
        ? options.headers
        : { ...options.headers, "content-length": String(Buffer.byteLength(options.body)) };
    const target = {
      method: options.method,
      headers,
      agent,
      ...(options.rawPath ? { path: options.rawPath } : {}),
    };
    const req = http.request(url, target, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString("utf8"),
        }),
      );
      res.on("error", reject);
    });
    req.setTimeout(options.timeoutMs ?? 30_000, () =>
      req.destroy(new Error(`timeout: ${options.method} ${url}`)),
    );
    req.on("error", reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** Closes idle keep-alive sockets (between server restarts). */
export function resetConnections(): void {
  agent.destroy();
}
