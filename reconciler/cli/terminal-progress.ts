/**
 * The live progress frame of an apply on a terminal (one line per host, or
 * per service for a large fleet: progress-board.ts). A module of its own so
 * that log-update and cli-truncate load only when a terminal shows it.
 */
import { styleText } from "node:util";
import { createLogUpdate } from "log-update";
import type { Plan } from "../plan/types.ts";
import type { Progress } from "./progress.ts";
import { ProgressBoard, type Paint } from "./progress-board.ts";

/**
 * The live frame, drawn with log-update, which redraws only the lines that
 * changed. The terminal's size is read at every draw, so a resized window is
 * drawn to its new width. `plan` tells the board how many pods each service
 * brings up and how many hosts the rollout touches.
 * @example const progress = terminalProgress(process.stdout, { color: useColor(process.stdout), plan });
 */
export function terminalProgress(out: NodeJS.WriteStream, opts: { color: boolean; plan?: Pick<Plan, "services"> }): Progress {
  const board = new ProgressBoard(opts.plan);
  const size = () => ({ columns: out.columns || 80, rows: out.rows || 24 });
  // A pseudo-terminal whose size was never set says 0 × 0 (script(1) run without a terminal, some
  // `docker exec -t`), and log-update draws nothing at 0 rows: it is given the size the frame is cut to.
  const screen = { write: (s: string) => out.write(s), isTTY: out.isTTY, get columns() { return size().columns; }, get rows() { return size().rows; } };
  const draw = createLogUpdate(screen as unknown as NodeJS.WritableStream);
  // The caller decided with useColor, so styleText must not decide again from process.stdout and its own reading of NO_COLOR.
  const paint: Paint = (style, s) => (opts.color ? styleText(style, s, { validateStream: false }) : s);
  const redraw = () => draw(board.frame(size(), paint).join("\n"));
  return {
    event: (e) => {
      board.record(e);
      redraw();
    },
    done: () => {
      if (board.empty) return;
      redraw();
      draw.done();
    },
  };
}
