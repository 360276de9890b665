/**
 * dockerode, loaded when a host is first asked for more than an observation
 * (a plan needs none of it, and 10,000 hosts need no dockerode object each),
 * without two helpers it requires as it loads and berth never calls:
 *
 * - dockerode's `lib/session.js` (a BuildKit session for `buildImage`),
 *   which requires @grpc/grpc-js, @grpc/proto-loader and protobufjs;
 * - docker-modem's `lib/ssh.js` (its own `protocol: "ssh"`), which requires
 *   ssh2: berth reaches ssh:// engines through its own agent
 *   (ssh-dial-stdio.ts), which loads ssh2 when it first connects.
 *
 * Together they were 0.1–0.2 s of every `berth apply`, on the way to its
 * first pull. Each goes into require's cache as a stand-in that loads the
 * real module, once, if it is ever called. Should a package move the file,
 * its stand-in is skipped and the package loads as it is (a unit test says
 * so by failing).
 */
import type Docker from "dockerode";
import { createRequire, Module } from "node:module";

const require = createRequire(import.meta.url);
let loaded: typeof Docker | undefined;

/** Puts a stand-in for the module `file` resolves to (from `from`'s folder) into require's cache. */
function defer(specifier: string, from: NodeJS.Require): void {
  let file: string;
  try {
    file = from.resolve(specifier);
  } catch {
    return;
  }
  if (require.cache[file]) return;
  let real: ((...a: unknown[]) => unknown) | undefined;
  const standIn = new Module(file);
  standIn.filename = file;
  standIn.loaded = true;
  standIn.exports = function deferred(this: unknown, ...args: unknown[]): unknown {
    if (!real) {
      delete require.cache[file];
      real = require(file) as (...a: unknown[]) => unknown;
    }
    return real.apply(this, args);
  };
  require.cache[file] = standIn;
}

export function dockerode(): typeof Docker {
  if (!loaded) {
    defer("dockerode/lib/session.js", require);
    // docker-modem as dockerode finds it: its own copy, if it has one.
    defer("docker-modem/lib/ssh.js", createRequire(require.resolve("dockerode")));
    loaded = require("dockerode") as typeof Docker;
  }
  return loaded;
}
