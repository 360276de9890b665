/**
 * Asking the person at the terminal before `berth apply` changes anything,
 * as terraform does: only the answer `yes` goes ahead. End of input (Ctrl-D)
 * and Ctrl-C are a no, never a hang.
 */
import { createInterface } from "node:readline/promises";

export const APPLY_QUESTION = "Apply these changes? Only 'yes' is accepted: ";

/**
 * True when the line typed after `question` is exactly `yes` (spaces around it aside).
 * @example if (!(await confirmed(APPLY_QUESTION, { input: process.stdin, output: process.stdout }))) return 1;
 */
export async function confirmed(question: string, io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream }): Promise<boolean> {
  const rl = createInterface({ input: io.input, output: io.output });
  const gone = new AbortController();
  rl.on("close", () => gone.abort());
  rl.on("SIGINT", () => {
    io.output.write("\n");
    rl.close();
  });
  try {
    return (await rl.question(question, { signal: gone.signal })).trim() === "yes";
  } catch (err) {
    if ((err as Error).name === "AbortError") return false;
    throw err;
  } finally {
    rl.close();
  }
}
