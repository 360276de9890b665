/**
 * What a failed pull means (issue 11): a missing image stalls the commit, a
 * registry outage is retried, anything else needs a human. The engine texts
 * are the ones dockerd gives (HTTP 404 for a missing tag; HTTP 500 quoting
 * its dial error for a registry it cannot reach).
 */
import assert from "node:assert/strict";
import { pullFailure } from "../../../reconciler/docker/pull-failure.ts";

const IMAGE = "127.0.0.1:5000/berth/app:v9";
const engine = (statusCode: number, message: string) => Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message}`), { statusCode, json: { message } });

describe("pullFailure: a failed pull, by how the loop reacts", function () {
  const cases: { name: string; err: unknown; code: string; reaction: string; image?: string }[] = [
    { name: "a tag the registry lacks (404, manifest unknown)", err: engine(404, `manifest for ${IMAGE} not found: manifest unknown: manifest unknown`), code: "image-not-found", reaction: "stalled" },
    { name: "a repository the registry lacks (name unknown)", err: engine(404, "name unknown: repository name not known to registry"), code: "image-not-found", reaction: "stalled" },
    { name: "the registry refuses connections (engine's 500)", err: engine(500, 'Get "http://127.0.0.1:5000/v2/": dial tcp 127.0.0.1:5000: connect: connection refused'), code: "registry-unavailable", reaction: "retry" },
    { name: "the registry times out", err: engine(500, 'Get "https://r.example/v2/": net/http: TLS handshake timeout'), code: "registry-unavailable", reaction: "retry" },
    { name: "the registry answers 503", err: engine(500, "received unexpected HTTP status: 503 Service Unavailable"), code: "registry-unavailable", reaction: "retry" },
    { name: "the pull took longer than berth allows", err: Object.assign(new Error(`pulling ${IMAGE} timed out after 600000 ms`), { code: "ETIMEDOUT" }), code: "registry-unavailable", reaction: "retry" },
    { name: "a layer download error from the progress stream", err: new Error("unexpected EOF"), code: "registry-unavailable", reaction: "retry" },
    { name: "a tag whose name reads like an outage is still missing (guards matching the reference)", err: engine(404, "manifest for 127.0.0.1:5000/berth/app:timeout-503 not found: manifest unknown"), code: "image-not-found", reaction: "stalled", image: "127.0.0.1:5000/berth/app:timeout-503" },
    { name: "credentials refused", err: engine(500, "Head \"https://r.example/v2/app/manifests/v9\": unauthorized: authentication required"), code: "pull-failed", reaction: "stalled" },
    { name: "anything else", err: engine(400, "invalid reference format"), code: "pull-failed", reaction: "stalled" },
  ];
  for (const c of cases) {
    it(c.name, function () {
      const image = c.image ?? IMAGE;
      const got = pullFailure("h1", image, c.err);
      assert.deepEqual({ code: got.code, reaction: got.reaction, image: got.data.image, host: got.data.host }, { code: c.code, reaction: c.reaction, image, host: "h1" });
      assert.ok(got.message.includes(image), got.message);
    });
  }
});
