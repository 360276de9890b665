/**
 * Runs a CLI command's function in-process, the way a user would run the
 * command in `dir`: stdout and stderr captured, colour off, the working
 * directory and environment put back afterwards.
 */
export async function runCli(fn: () => number | Promise<number>, opts: { dir?: string } = {}): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = { out: process.stdout.write, err: process.stderr.write };
  const cwd = process.cwd();
  const noColor = process.env["NO_COLOR"];
  process.env["NO_COLOR"] = "1";
  process.stdout.write = ((chunk: string) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  if (opts.dir) process.chdir(opts.dir);
  try {
    return { code: await fn(), out: out.join(""), err: err.join("") };
  } finally {
    process.chdir(cwd);
    process.stdout.write = write.out;
    process.stderr.write = write.err;
    if (noColor === undefined) delete process.env["NO_COLOR"];
    else process.env["NO_COLOR"] = noColor;
  }
}
