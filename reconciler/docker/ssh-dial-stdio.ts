/**
 * An HTTP agent whose connections are `docker system dial-stdio` sessions
 * on an SSH host: what `docker -H ssh://` does, over ssh2 instead of the
 * `ssh` binary. One SSH connection carries every request as its own exec
 * channel (docker-modem's built-in `protocol: "ssh"` makes a handshake per
 * request and warns about the URL it builds), and it is closed a second
 * after the last channel ends, so a CLI command exits without waiting on it.
 */
import http from "node:http";
import type { Duplex } from "node:stream";
import ssh2 from "ssh2";

const IDLE_CLOSE_MS = 1_000;

export function sshDialStdioAgent(config: ssh2.ConnectConfig): http.Agent {
  let client: Promise<ssh2.Client> | undefined;
  let open = 0;
  let idle: NodeJS.Timeout | undefined;

  const connect = (): Promise<ssh2.Client> => {
    client ??= new Promise<ssh2.Client>((resolve, reject) => {
      const c = new ssh2.Client();
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

  const closeWhenIdle = (c: ssh2.Client) => {
    open -= 1;
    if (open > 0) return;
    clearTimeout(idle);
    idle = setTimeout(() => {
      if (open === 0) {
        if (client) client = undefined;
        c.end();
      }
    }, IDLE_CLOSE_MS);
  };

  const agent = new http.Agent();
  // Node's Agent accepts a connection handed to the callback later; ssh2's channel is a Duplex like a socket.
  (agent as unknown as { createConnection: (o: unknown, cb: (err: Error | null, s?: Duplex) => void) => undefined }).createConnection = (_options, cb) => {
    clearTimeout(idle);
    open += 1;
    connect().then(
      (c) =>
        c.exec("docker system dial-stdio", (err, stream) => {
          if (err) {
            closeWhenIdle(c);
            return cb(err);
          }
          stream.once("close", () => closeWhenIdle(c));
          // http.ClientRequest sets socket options that a channel lacks.
          Object.assign(stream, { setKeepAlive: () => stream, setNoDelay: () => stream, setTimeout: () => stream, ref: () => stream, unref: () => stream });
          cb(null, stream);
        }),
      (err: Error) => {
        open -= 1;
        cb(err);
      },
    );
    return undefined;
  };
  return agent;
}
