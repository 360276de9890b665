/**
 * Fleet files are UTF-8. A file that is not (saved as Latin-1 by an old
 * editor, say) is refused with the place of its first bad byte, rather than
 * read with U+FFFD in place of those bytes: an image name or label changed
 * in silence is worse than an error.
 */
import type { RefusedFile } from "./source.ts";

const strict = new TextDecoder("utf-8", { fatal: true });

/** Lead bytes, how many bytes follow, and the range the first of them must be in (Unicode Table 3-7). */
const SEQUENCES: readonly { from: number; to: number; continuation: number; second: readonly [number, number] }[] = [
  { from: 0xc2, to: 0xdf, continuation: 1, second: [0x80, 0xbf] },
  { from: 0xe0, to: 0xe0, continuation: 2, second: [0xa0, 0xbf] },
  { from: 0xe1, to: 0xec, continuation: 2, second: [0x80, 0xbf] },
  { from: 0xed, to: 0xed, continuation: 2, second: [0x80, 0x9f] },
  { from: 0xee, to: 0xef, continuation: 2, second: [0x80, 0xbf] },
  { from: 0xf0, to: 0xf0, continuation: 3, second: [0x90, 0xbf] },
  { from: 0xf1, to: 0xf3, continuation: 3, second: [0x80, 0xbf] },
  { from: 0xf4, to: 0xf4, continuation: 3, second: [0x80, 0x8f] },
];

export type DecodedFile = { readonly ok: true; readonly content: string } | { readonly ok: false; readonly refused: RefusedFile };

/**
 * The text of the fleet file `path`, or why it is refused.
 * @example decodeFleetFile("web.yaml", Buffer.from("name: caf\xe9\n", "latin1")) // { ok: false, refused: { ..., line: 1, col: 10 } }
 */
export function decodeFleetFile(path: string, bytes: Uint8Array): DecodedFile {
  try {
    return { ok: true, content: strict.decode(bytes) };
  } catch {
    // The decoder says only that the bytes are not UTF-8; find where, for the message.
  }
  const offset = firstInvalidUtf8Byte(bytes) ?? 0;
  const lineStart = offset === 0 ? 0 : bytes.lastIndexOf(0x0a, offset - 1) + 1;
  let line = 1;
  for (let i = 0; i < lineStart; i++) if (bytes[i] === 0x0a) line++;
  // Columns count characters, as in every other diagnostic; the bytes before the bad one on its line are valid.
  const col = strict.decode(bytes.subarray(lineStart, offset)).length + 1;
  const byte = `0x${(bytes[offset] ?? 0).toString(16).toUpperCase().padStart(2, "0")}`;
  return {
    ok: false,
    refused: {
      path,
      code: "not-utf8",
      message: `refused ${JSON.stringify(path)}: byte ${byte} at offset ${offset} (line ${line}, column ${col}) is not valid UTF-8; berth reads fleet files as UTF-8, so save the file in that encoding`,
      line,
      col,
    },
  };
}

/**
 * Offset of the first byte where a valid UTF-8 sequence cannot start or
 * continue (by the WHATWG decoder's rules: no overlong forms, surrogates or
 * code points past U+10FFFF), or undefined when all of `bytes` is valid.
 * For a sequence cut short, that is the offset of its first byte.
 */
export function firstInvalidUtf8Byte(bytes: Uint8Array): number | undefined {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const shape = SEQUENCES.find((s) => lead >= s.from && lead <= s.to);
    if (shape === undefined) return i;
    for (let k = 1; k <= shape.continuation; k++) {
      const b = bytes[i + k];
      const [low, high] = k === 1 ? shape.second : [0x80, 0xbf];
      if (b === undefined || b < low || b > high) return i;
    }
    i += shape.continuation + 1;
  }
  return undefined;
}
