/**
 * Files that are not UTF-8 are refused at their first bad byte. Guards the
 * bug where `readRepoDir` decoded every file as UTF-8 without complaint,
 * turning a Latin-1 "é" in an image name or label into U+FFFD in silence.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeFleetFile, firstInvalidUtf8Byte } from "../../../reconciler/load/decode-utf8.ts";
import { formatDiagnostic } from "../../../reconciler/load/diagnostic.ts";
import { loadFleet } from "../../../reconciler/load/load-fleet.ts";
import { readRepoDir } from "../../../reconciler/load/read-dir.ts";
import { WEB } from "./fleet-files.ts";

describe("files that are not UTF-8", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "berth-utf8-"));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("readRepoDir refuses the file, naming the byte, its offset and its line and column", async () => {
    // Line 4 is `  name: café` saved as Latin-1: the "é" (0xE9) is column 12, after 21 + 14 + 10 + 11 bytes.
    const latin1 = Buffer.from(WEB.replace("  name: web", "  name: café"), "latin1");
    await writeFile(join(root, "web.yaml"), latin1);
    await writeFile(join(root, "ok.yaml"), "# fine\n");
    const snapshot = await readRepoDir(root);
    assert.deepEqual(snapshot.files.map((f) => f.path), ["ok.yaml"]);
    const result = loadFleet(snapshot);
    assert.deepEqual(result.diagnostics.map((d) => [formatDiagnostic(d), d.code]), [
      [
        'web.yaml:4:12: error: refused "web.yaml": byte 0xE9 at offset 56 (line 4, column 12) is not valid UTF-8; berth reads fleet files as UTF-8, so save the file in that encoding',
        "not-utf8",
      ],
    ]);
  });

  it("readRepoDir reads UTF-8 with multi-byte characters unchanged", async () => {
    await writeFile(join(root, "web.yaml"), "# café, 東京, 🚢\n");
    assert.deepEqual((await readRepoDir(root)).files, [{ path: "web.yaml", content: "# café, 東京, 🚢\n" }]);
  });

  it("counts the column in characters, as other diagnostics do", () => {
    // "東京" is 6 bytes but 2 characters: the bad byte is the 6th character of line 2.
    const bytes = Buffer.concat([Buffer.from("a: 1\n# 東京"), Buffer.from([0xff]), Buffer.from("\n")]);
    const decoded = decodeFleetFile("x.yaml", bytes);
    assert.equal(decoded.ok, false);
    if (decoded.ok) return;
    assert.deepEqual([decoded.refused.line, decoded.refused.col], [2, 5]);
    assert.match(decoded.refused.message, /^refused "x\.yaml": byte 0xFF at offset 13 \(line 2, column 5\)/);
  });

  const offsets: { name: string; bytes: number[]; offset: number | undefined }[] = [
    { name: "ASCII", bytes: [0x61, 0x0a], offset: undefined },
    { name: "two-, three- and four-byte characters", bytes: [0xc3, 0xa9, 0xe6, 0x9d, 0xb1, 0xf0, 0x9f, 0x9a, 0xa2], offset: undefined },
    { name: "a byte that never appears in UTF-8", bytes: [0x61, 0xff], offset: 1 },
    { name: "a continuation byte with no lead", bytes: [0x61, 0x80], offset: 1 },
    { name: "a sequence cut short by ASCII", bytes: [0x61, 0xe6, 0x9d, 0x61], offset: 1 },
    { name: "a sequence cut short by the end", bytes: [0x61, 0xf0, 0x9f], offset: 1 },
    { name: "an overlong form", bytes: [0xc0, 0x80], offset: 0 },
    { name: "an overlong three-byte form", bytes: [0xe0, 0x80, 0x80], offset: 0 },
    { name: "a surrogate", bytes: [0xed, 0xa0, 0x80], offset: 0 },
    { name: "a code point past U+10FFFF", bytes: [0xf4, 0x90, 0x80, 0x80], offset: 0 },
  ];
  for (const c of offsets) {
    it(`first invalid byte: ${c.name}`, () => {
      const bytes = new Uint8Array(c.bytes);
      assert.equal(firstInvalidUtf8Byte(bytes), c.offset);
      // The scan and the platform's strict decoder agree on what is valid.
      assert.equal(decodeFleetFile("x.yaml", bytes).ok, c.offset === undefined);
    });
  }
});
