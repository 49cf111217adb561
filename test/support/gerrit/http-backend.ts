/**
 * Git smart HTTP through the real `git http-backend` (CGI): the request body is streamed to its stdin,
 * its CGI headers are parsed and the rest of its stdout is streamed back as the response body.
 */

/** Recognises a git smart-HTTP path and splits it into the project and the service suffix. */
export function gitPath(path: string): { project: string; suffix: string } | undefined {
  const m = /^\/(.+?)(?:\.git)?(\/(?:info\/refs|git-upload-pack|git-receive-pack|HEAD|objects\/.*))$/.exec(path);
  if (!m) return undefined;
  return { project: m[1]!, suffix: m[2]! };
}

export async function serveGit(
  req: Request,
  root: string,
  project: string,
  suffix: string,
  remoteUser?: string,
): Promise<Response> {
  const url = new URL(req.url);
  const env: Record<string, string> = {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: "1",
    PATH_INFO: `/${project}.git${suffix}`,
    QUERY_STRING: url.search.replace(/^\?/, ""),
    REQUEST_METHOD: req.method,
    REMOTE_ADDR: "127.0.0.1",
    GATEWAY_INTERFACE: "CGI/1.1",
    SERVER_PROTOCOL: "HTTP/1.1",
  };
  if (remoteUser) env["REMOTE_USER"] = remoteUser;
  const contentType = req.headers.get("content-type");
  if (contentType) env["CONTENT_TYPE"] = contentType;
  const length = req.headers.get("content-length");
  if (length) env["CONTENT_LENGTH"] = length;
  const encoding = req.headers.get("content-encoding");
  if (encoding) env["HTTP_CONTENT_ENCODING"] = encoding;
  const protocol = req.headers.get("git-protocol");
  if (protocol) env["GIT_PROTOCOL"] = protocol;

  const proc = Bun.spawn(["git", "http-backend"], { env, stdin: req.body ? "pipe" : "ignore", stdout: "pipe", stderr: "pipe" });
  if (req.body && proc.stdin) {
    const sink = proc.stdin;
    void (async () => {
      try {
        for await (const chunk of req.body as unknown as AsyncIterable<Uint8Array>) {
          sink.write(chunk);
          await sink.flush();
        }
      } catch {
        // The client went away or git exited early: git's own answer (or none) tells the story.
      } finally {
        try {
          await sink.end();
        } catch {
          // already closed
        }
      }
    })();
  }
  const reader = proc.stdout.getReader();
  let buffered = new Uint8Array(0);
  let headerEnd = -1;
  let sepLength = 0;
  while (headerEnd < 0) {
    const { value, done } = await reader.read();
    if (done) break;
    const next = new Uint8Array(buffered.length + value.length);
    next.set(buffered);
    next.set(value, buffered.length);
    buffered = next;
    const text = new TextDecoder("latin1").decode(buffered);
    const crlf = text.indexOf("\r\n\r\n");
    const lf = text.indexOf("\n\n");
    if (crlf >= 0 && (lf < 0 || crlf < lf)) {
      headerEnd = crlf;
      sepLength = 4;
    } else if (lf >= 0) {
      headerEnd = lf;
      sepLength = 2;
    }
  }
  if (headerEnd < 0) {
    const err = await new Response(proc.stderr).text();
    return new Response(`git http-backend failed: ${err}`, { status: 500 });
  }
  const headerText = new TextDecoder("latin1").decode(buffered.subarray(0, headerEnd));
  const headers = new Headers();
  let status = 200;
  for (const line of headerText.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 500;
    else headers.append(name, value);
  }
  const rest = buffered.subarray(headerEnd + sepLength);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (rest.length > 0) controller.enqueue(rest);
    },
    async pull(controller) {
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel() {
      proc.kill();
    },
  });
  return new Response(body, { status, headers });
}
