import assert from "node:assert/strict";
import { registryOf } from "../../../reconciler/docker/dockerode-host.ts";

describe("hosts: the registry an image names", () => {
  const cases: [string, string][] = [
    ["nginx", "docker.io"],
    ["library/nginx:1.27", "docker.io"],
    ["team/app:v1", "docker.io"],
    ["registry.example.com/team/app:v1", "registry.example.com"],
    ["127.0.0.1:5000/berth/app:v1", "127.0.0.1:5000"],
    ["localhost/app", "localhost"],
    ["ghcr.io/org/app@sha256:abc", "ghcr.io"],
  ];
  for (const [image, registry] of cases) it(`${image} → ${registry}`, () => assert.equal(registryOf(image), registry));
});
