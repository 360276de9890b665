/**
 * A full garbage collection for a worker thread that has just finished a
 * large piece of work and will now sit idle, possibly for hours. V8
 * collects when allocation asks for it; a thread that allocates nothing
 * more keeps the garbage of its last job. The daemon's load thread held
 * about 150 MiB after loading a 10,000-host commit (issue 16).
 *
 * `gc` is not exposed to a worker unless asked for, and a Worker takes no
 * V8 flags of its own, so the flag is set at run time and the function read
 * from a fresh context, which is where V8 installs it. Node warns that a
 * flag changed after start may do nothing: this one is read only when a
 * context is made, and the daemon's idle RSS (bench:fleet) shows it works.
 */
import v8 from "node:v8";
import vm from "node:vm";

let gc: (() => void) | undefined;

function collector(): () => void {
  if (gc) return gc;
  v8.setFlagsFromString("--expose-gc");
  gc = vm.runInNewContext("gc") as () => void;
  return gc;
}

/** Collects everything unreachable once the current turn is over (after the last answer has been posted). */
export function collectWhenIdle(): void {
  setImmediate(() => collector()());
}
