/**
 * dockerode, loaded when a host is first asked for more than an observation
 * (a plan needs none of it, and 10,000 hosts need no dockerode object each),
 * without the BuildKit session helper it requires as it loads.
 *
 * dockerode's `lib/session.js` requires @grpc/grpc-js, @grpc/proto-loader
 * and protobufjs at once, for `buildImage` with a session, which berth never
 * calls. That was 0.1–0.18 s of every `berth apply`, on the way to its first
 * pull. The helper goes into require's cache as a stand-in that loads the real
 * one if it is ever called; should dockerode move the file, the stand-in is
 * skipped and dockerode loads as it is (a unit test says so).
 */
import type Docker from "dockerode";
import { createRequire, Module } from "node:module";

const require = createRequire(import.meta.url);
let loaded: typeof Docker | undefined;

function deferSession(): void {
  let file: string;
  try {
    file = require.resolve("dockerode/lib/session.js");
  } catch {
    return;
  }
  if (require.cache[file]) return;
  const standIn = new Module(file);
  standIn.filename = file;
  standIn.loaded = true;
  standIn.exports = function withSession(this: unknown, ...args: unknown[]): unknown {
    delete require.cache[file];
    return (require(file) as (...a: unknown[]) => unknown).apply(this, args);
  };
  require.cache[file] = standIn;
}

export function dockerode(): typeof Docker {
  if (!loaded) {
    deferSession();
    loaded = require("dockerode") as typeof Docker;
  }
  return loaded;
}
