/**
 * An HTTP agent whose connections are `docker system dial-stdio` sessions
 * on an SSH host: what `docker -H ssh://` does, over ssh2 instead of the
 * `ssh` binary. One SSH connection carries every request (docker-modem's
 * built-in `protocol: "ssh"` makes a handshake per request and warns about
 * the URL it builds), and HTTP keep-alive reuses a dial-stdio session for
 * the next request: starting one costs the host a `docker` process, about
 * 60 ms on the bed, against under 1 ms for a request on an open one. A
 * second after the last request the SSH connection is closed, so a CLI
 * command exits without waiting on it.
 */
import http from "node:http";
import type { Duplex } from "node:stream";
import { createRequire } from "node:module";
import type ssh2 from "ssh2";

/** ssh2, loaded on the first connection: 40–70 ms that a plan over tcp:// and unix:// engines does not need. */
const ssh2Client = (): typeof ssh2.Client => (createRequire(import.meta.url)("ssh2") as typeof ssh2).Client;

const IDLE_CLOSE_MS = 1_000;

export function sshDialStdioAgent(config: ssh2.ConnectConfig): http.Agent {
  let client: Promise<ssh2.Client> | undefined;
  let idle: NodeJS.Timeout | undefined;
  const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 4 });

  const connect = (): Promise<ssh2.Client> => {
    client ??= new Promise<ssh2.Client>((resolve, reject) => {
      const c = new (ssh2Client())();
      c.once("ready", () => resolve(c))
        .on("error", (err) => {
          client = undefined;
          reject(err);
        })
        .once("close", () => {
          client = undefined;
        })
        .connect(config);
    });
    return client;
  };

  /** Ends the SSH connection (and with it the idle dial-stdio sessions) once no request has been in flight for a while. */
  const closeWhenIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => {
      const busy = Object.values(agent.sockets).some((list) => (list?.length ?? 0) > 0) || Object.values(agent.requests).some((list) => (list?.length ?? 0) > 0);
      if (busy || !client) return;
      const ending = client;
      client = undefined;
      void ending.then((c) => c.end(), () => undefined);
    }, IDLE_CLOSE_MS);
  };
  agent.on("free", closeWhenIdle);

  // Node's Agent accepts a connection handed to the callback later; ssh2's channel is a Duplex like a socket.
  (agent as unknown as { createConnection: (o: unknown, cb: (err: Error | null, s?: Duplex) => void) => undefined }).createConnection = (_options, cb) => {
    clearTimeout(idle);
    connect().then(
      (c) =>
        c.exec("docker system dial-stdio", (err, stream) => {
          if (err) {
            closeWhenIdle();
            return cb(err);
          }
          // http.Agent and ClientRequest set socket options that a channel lacks.
          Object.assign(stream, { setKeepAlive: () => stream, setNoDelay: () => stream, setTimeout: () => stream, ref: () => stream, unref: () => stream });
          cb(null, stream);
        }),
      (err: Error) => {
        cb(err);
      },
    );
    return undefined;
  };
  return agent;
}
