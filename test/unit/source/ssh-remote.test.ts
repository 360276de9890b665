/**
 * `--repo` naming an SSH remote used to fail with "… is not a git
 * repository (no such folder)", as if it were a local path. berth cannot
 * fetch over SSH (isomorphic-git speaks http only), so it now says so and
 * what to use: the https:// URL with BERTH_GIT_TOKEN, or a local clone.
 */
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { SshRemoteError } from "../../../reconciler/source/errors.ts";
import { openSource } from "../../../reconciler/source/open-source.ts";
import { sshRemote } from "../../../reconciler/source/ssh-remote.ts";

const none = () => false;

describe("source: SSH remotes are refused with what to use", function () {
  const cases: { repo: string; want: ReturnType<typeof sshRemote> }[] = [
    { repo: "git@github.com:org/fleet.git", want: { shown: "git@github.com:org/fleet.git", httpsGuess: "https://github.com/org/fleet.git" } },
    { repo: "github.com:org/fleet.git", want: { shown: "github.com:org/fleet.git", httpsGuess: "https://github.com/org/fleet.git" } },
    { repo: "ssh://git@git.example.com:2222/org/fleet.git", want: { shown: "ssh://git@git.example.com:2222/org/fleet.git", httpsGuess: "https://git.example.com/org/fleet.git" } },
    { repo: "git+ssh://git.example.com/fleet", want: { shown: "git+ssh://git.example.com/fleet", httpsGuess: "https://git.example.com/fleet" } },
    { repo: "ssh://me:s3cret@git.example.com/fleet.git", want: { shown: "ssh://me@git.example.com/fleet.git", httpsGuess: "https://git.example.com/fleet.git" } },
    { repo: "https://github.com/org/fleet.git", want: undefined },
    { repo: "./fleet", want: undefined },
    { repo: "/srv/git/fleet.git", want: undefined },
    { repo: "repos/a:b", want: undefined },
    { repo: "C:\\fleet", want: undefined },
  ];
  for (const c of cases) {
    it(`reads ${c.repo}`, function () {
      assert.deepEqual(sshRemote(c.repo, none), c.want);
    });
  }

  it("an existing folder that looks scp-like is a path, as for git", function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), "berth-scp-like-"));
    const odd = path.join(dir, "host:fleet");
    mkdirSync(odd);
    process.chdir(dir);
    try {
      assert.equal(sshRemote("host:fleet"), undefined);
    } finally {
      process.chdir(os.tmpdir());
    }
  });

  it("openSource refuses git@host:path with the https URL and the clone to use, never 'no such folder'", function () {
    assert.throws(
      () => openSource({ repo: "git@github.com:org/fleet.git" }),
      (err: unknown) => {
        assert.ok(err instanceof SshRemoteError, String(err));
        assert.equal(err.code, "git-ssh-remote");
        assert.equal(err.reaction, "stalled");
        assert.equal(
          err.message,
          "--repo git@github.com:org/fleet.git is an SSH remote, and berth reads git over https:// or from a local clone only: " +
            "pass its https:// URL (likely https://github.com/org/fleet.git) with credentials in BERTH_GIT_TOKEN (or BERTH_GIT_USERNAME and BERTH_GIT_PASSWORD), " +
            "or clone it (git clone git@github.com:org/fleet.git) and pass the clone's path",
        );
        return true;
      },
    );
  });

  it("an ssh:// URL's password is not repeated in the refusal", function () {
    assert.throws(
      () => openSource({ repo: "ssh://me:s3cret@git.example.com/fleet.git" }),
      (err: unknown) => err instanceof SshRemoteError && !err.message.includes("s3cret") && err.message.includes("ssh://me@git.example.com/fleet.git"),
    );
  });
});
